using System.Text.Json;
using System.Text.Json.Serialization;

namespace SutazAi.Gateway.Protocol.Ollama;

internal sealed class OllamaChatRequest : IGenerationRequest
{
    [JsonPropertyName("model")] public string? Model { get; set; }

    /// <summary>Legacy clients send <c>name</c>; it is folded into <see cref="Model"/> and not forwarded.</summary>
    [JsonPropertyName("name")] public string? Name { get; set; }

    [JsonPropertyName("messages")] public List<OllamaMessage>? Messages { get; set; }
    [JsonPropertyName("tools")] public List<JsonElement>? Tools { get; set; }
    [JsonPropertyName("stream")] public bool? Stream { get; set; }
    [JsonPropertyName("format")] public JsonElement? Format { get; set; }
    [JsonPropertyName("keep_alive")] public JsonElement? KeepAlive { get; set; }
    [JsonPropertyName("options")] public Dictionary<string, JsonElement>? Options { get; set; }
    [JsonPropertyName("think")] public JsonElement? Think { get; set; }
    [JsonPropertyName("truncate")] public bool? Truncate { get; set; }
    [JsonPropertyName("shift")] public bool? Shift { get; set; }
    [JsonPropertyName("logprobs")] public bool? Logprobs { get; set; }
    [JsonPropertyName("top_logprobs")] public int? TopLogprobs { get; set; }
}
