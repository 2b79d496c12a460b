using System.Text.Json.Serialization;

namespace SutazAi.Gateway.Protocol.Sutaz;

/// <summary>POST /api/v1/chat and /api/v1/chat/stream (seed spec §2.2).</summary>
internal sealed class SutazChatRequest
{
    [JsonPropertyName("message")] public string? Message { get; set; }
    [JsonPropertyName("model")] public string? Model { get; set; }
    [JsonPropertyName("temperature")] public double? Temperature { get; set; }
    [JsonPropertyName("max_tokens")] public int? MaxTokens { get; set; }
}

internal sealed class SutazChatReply
{
    [JsonPropertyName("response")] public string Response { get; set; } = "";
    [JsonPropertyName("model")] public string Model { get; set; } = "";
    [JsonPropertyName("tokens_used")] public int TokensUsed { get; set; }
}

internal sealed class SutazBatchRequest
{
    [JsonPropertyName("requests")] public List<SutazChatRequest>? Requests { get; set; }
}

internal sealed class SutazBatchItem
{
    [JsonPropertyName("index")] public int Index { get; set; }
    [JsonPropertyName("success")] public bool Success { get; set; }
    [JsonPropertyName("data"), JsonIgnore(Condition = JsonIgnoreCondition.Never)] public SutazChatReply? Data { get; set; }
    [JsonPropertyName("error"), JsonIgnore(Condition = JsonIgnoreCondition.Never)] public EnvelopeError? Error { get; set; }
}

internal sealed class SutazBatchReply
{
    [JsonPropertyName("results")] public List<SutazBatchItem> Results { get; set; } = [];
    [JsonPropertyName("succeeded")] public int Succeeded { get; set; }
    [JsonPropertyName("failed")] public int Failed { get; set; }
}

/// <summary>One SSE event of /api/v1/chat/stream (seed spec §7.1).</summary>
internal sealed class SutazStreamEvent
{
    [JsonPropertyName("token")] public string? Token { get; set; }
    [JsonPropertyName("finish")] public bool Finish { get; set; }
    [JsonPropertyName("tokens_used")] public int? TokensUsed { get; set; }
}

internal sealed class SutazStreamError
{
    [JsonPropertyName("finish")] public bool Finish { get; set; }
    [JsonPropertyName("error")] public EnvelopeError Error { get; set; } = new();
}

internal sealed class SutazModelsReply
{
    [JsonPropertyName("models")] public List<SutazModel> Models { get; set; } = [];
    [JsonPropertyName("default_model"), JsonIgnore(Condition = JsonIgnoreCondition.Never)] public string? DefaultModel { get; set; }
}

internal sealed class SutazModel
{
    [JsonPropertyName("name")] public string Name { get; set; } = "";
    [JsonPropertyName("size")] public string Size { get; set; } = "";
    [JsonPropertyName("status")] public string Status { get; set; } = "";
    [JsonPropertyName("last_used"), JsonIgnore(Condition = JsonIgnoreCondition.Never)] public DateTimeOffset? LastUsed { get; set; }
}

internal sealed class SutazPullRequest
{
    [JsonPropertyName("model")] public string? Model { get; set; }
    [JsonPropertyName("stream")] public bool? Stream { get; set; }
}
