using System.Text.Json;
using System.Text.Json.Serialization;

namespace SutazAi.Gateway.Protocol.Ollama;

/// <summary>A chat message as Ollama's /api/chat expects it: plain string content, raw base64 images.</summary>
internal sealed class OllamaMessage
{
    /// <summary>Null only when a client sent null; validation rejects that before anything is forwarded.</summary>
    [JsonPropertyName("role")] public string Role { get; set; } = "";
    [JsonPropertyName("content")] public string? Content { get; set; }
    [JsonPropertyName("thinking")] public string? Thinking { get; set; }
    [JsonPropertyName("images")] public List<string>? Images { get; set; }
    [JsonPropertyName("tool_calls")] public List<OllamaToolCall>? ToolCalls { get; set; }
    [JsonPropertyName("tool_name")] public string? ToolName { get; set; }
    [JsonPropertyName("tool_call_id")] public string? ToolCallId { get; set; }
}

internal sealed class OllamaToolCall
{
    [JsonPropertyName("id")] public string? Id { get; set; }
    [JsonPropertyName("function")] public OllamaFunctionCall Function { get; set; } = new();
}

internal sealed class OllamaFunctionCall
{
    [JsonPropertyName("index")] public int? Index { get; set; }
    [JsonPropertyName("name")] public string Name { get; set; } = "";

    /// <summary>A JSON object (Ollama's wire type), never a string.</summary>
    [JsonPropertyName("arguments")] public JsonElement Arguments { get; set; }
}
