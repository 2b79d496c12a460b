using System.Text.Json.Serialization;

namespace SutazAi.Gateway.Protocol.OpenAI;

internal sealed class OpenAiErrorEnvelope
{
    [JsonPropertyName("error")] public OpenAiErrorBody Error { get; set; } = new();
}

internal sealed class OpenAiErrorBody
{
    [JsonPropertyName("message")] public string Message { get; set; } = "";
    [JsonPropertyName("type")] public string Type { get; set; } = "";
    [JsonPropertyName("param"), JsonIgnore(Condition = JsonIgnoreCondition.Never)] public string? Param { get; set; }
    [JsonPropertyName("code"), JsonIgnore(Condition = JsonIgnoreCondition.Never)] public string? Code { get; set; }
}
