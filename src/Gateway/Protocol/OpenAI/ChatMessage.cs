using System.Text.Json.Serialization;

namespace SutazAi.Gateway.Protocol.OpenAI;

internal sealed class ChatMessage
{
    [JsonPropertyName("role")] public string? Role { get; set; }
    [JsonPropertyName("content")] public MessageContent? Content { get; set; }
    [JsonPropertyName("name")] public string? Name { get; set; }
    [JsonPropertyName("tool_calls")] public List<ToolCall>? ToolCalls { get; set; }
    [JsonPropertyName("tool_call_id")] public string? ToolCallId { get; set; }
    [JsonPropertyName("reasoning_content")] public string? ReasoningContent { get; set; }
}

internal sealed class ToolCall
{
    [JsonPropertyName("index"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public int? Index { get; set; }
    [JsonPropertyName("id")] public string? Id { get; set; }
    [JsonPropertyName("type")] public string? Type { get; set; }
    [JsonPropertyName("function")] public FunctionCall? Function { get; set; }
}

internal sealed class FunctionCall
{
    [JsonPropertyName("name")] public string? Name { get; set; }

    /// <summary>JSON text, as OpenAI sends it (a string, not an object).</summary>
    [JsonPropertyName("arguments")] public string? Arguments { get; set; }
}
