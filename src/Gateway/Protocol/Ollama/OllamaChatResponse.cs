using System.Text.Json.Serialization;

namespace SutazAi.Gateway.Protocol.Ollama;

/// <summary>
/// One /api/chat or /api/generate object (a streamed line or the whole non-streamed answer).
/// Only the fields the gateway reads; the Ollama surface forwards the upstream bytes themselves.
/// </summary>
internal sealed class OllamaChatResponse
{
    [JsonPropertyName("model")] public string? Model { get; set; }
    [JsonPropertyName("created_at")] public string? CreatedAt { get; set; }
    [JsonPropertyName("message")] public OllamaMessage? Message { get; set; }
    [JsonPropertyName("response")] public string? Response { get; set; }
    [JsonPropertyName("thinking")] public string? Thinking { get; set; }
    [JsonPropertyName("done")] public bool Done { get; set; }
    [JsonPropertyName("done_reason")] public string? DoneReason { get; set; }
    [JsonPropertyName("error")] public string? Error { get; set; }
    [JsonPropertyName("total_duration")] public long? TotalDuration { get; set; }
    [JsonPropertyName("load_duration")] public long? LoadDuration { get; set; }
    [JsonPropertyName("prompt_eval_count")] public int? PromptEvalCount { get; set; }
    [JsonPropertyName("prompt_eval_duration")] public long? PromptEvalDuration { get; set; }
    [JsonPropertyName("eval_count")] public int? EvalCount { get; set; }
    [JsonPropertyName("eval_duration")] public long? EvalDuration { get; set; }
}
