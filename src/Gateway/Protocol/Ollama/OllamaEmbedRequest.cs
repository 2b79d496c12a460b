using System.Text.Json;
using System.Text.Json.Serialization;

namespace SutazAi.Gateway.Protocol.Ollama;

/// <summary>Current <c>/api/embed</c> body; <see cref="Input"/> is a string or a list of strings.</summary>
internal sealed class OllamaEmbedRequest
{
    [JsonPropertyName("model")] public string? Model { get; set; }
    [JsonPropertyName("name")] public string? Name { get; set; }
    [JsonPropertyName("input")] public StringOrStrings? Input { get; set; }
    [JsonPropertyName("truncate")] public bool? Truncate { get; set; }
    [JsonPropertyName("dimensions")] public int? Dimensions { get; set; }
    [JsonPropertyName("keep_alive")] public JsonElement? KeepAlive { get; set; }
    [JsonPropertyName("options")] public Dictionary<string, JsonElement>? Options { get; set; }
}

/// <summary>Legacy <c>/api/embeddings</c> body.</summary>
internal sealed class OllamaEmbeddingsRequest
{
    [JsonPropertyName("model")] public string? Model { get; set; }
    [JsonPropertyName("name")] public string? Name { get; set; }
    [JsonPropertyName("prompt")] public string? Prompt { get; set; }
    [JsonPropertyName("keep_alive")] public JsonElement? KeepAlive { get; set; }
    [JsonPropertyName("options")] public Dictionary<string, JsonElement>? Options { get; set; }
}

internal sealed class OllamaEmbedResponse
{
    [JsonPropertyName("model")] public string? Model { get; set; }
    [JsonPropertyName("embeddings")] public float[][]? Embeddings { get; set; }
    [JsonPropertyName("total_duration")] public long? TotalDuration { get; set; }
    [JsonPropertyName("load_duration")] public long? LoadDuration { get; set; }
    [JsonPropertyName("prompt_eval_count")] public int? PromptEvalCount { get; set; }
}
