using System.Text.Json.Serialization;

namespace SutazAi.Gateway.Protocol.OpenAI;

internal sealed class EmbeddingRequest
{
    [JsonPropertyName("model")] public string? Model { get; set; }
    /// <summary>Text input only: token-id arrays fail to read and are reported as an invalid input.</summary>
    [JsonPropertyName("input")] public StringOrStrings? Input { get; set; }
    [JsonPropertyName("encoding_format")] public string? EncodingFormat { get; set; }
    [JsonPropertyName("dimensions")] public int? Dimensions { get; set; }
}

internal sealed class EmbeddingResponse
{
    [JsonPropertyName("object")] public string Object { get; set; } = "list";
    [JsonPropertyName("data")] public List<EmbeddingItem> Data { get; set; } = [];
    [JsonPropertyName("model")] public string Model { get; set; } = "";
    [JsonPropertyName("usage")] public EmbeddingUsage Usage { get; set; } = new();
}

internal sealed class EmbeddingItem
{
    [JsonPropertyName("object")] public string Object { get; set; } = "embedding";
    [JsonPropertyName("index")] public int Index { get; set; }

    /// <summary>A float array, or a base64 string of little-endian float32 values.</summary>
    [JsonPropertyName("embedding")] public object Embedding { get; set; } = "";
}

internal sealed class EmbeddingUsage
{
    [JsonPropertyName("prompt_tokens")] public int PromptTokens { get; set; }
    [JsonPropertyName("total_tokens")] public int TotalTokens { get; set; }
}
