using System.Text.Json;
using System.Text.Json.Serialization;

namespace SutazAi.Gateway.Protocol.Ollama;

/// <summary>An entry of /api/tags or /api/ps. Unknown fields are kept so merged lists lose nothing.</summary>
internal sealed class OllamaModelEntry
{
    [JsonPropertyName("name")] public string Name { get; set; } = "";
    [JsonPropertyName("model")] public string Model { get; set; } = "";
    [JsonPropertyName("modified_at"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public string? ModifiedAt { get; set; }
    [JsonPropertyName("size")] public long Size { get; set; }
    [JsonPropertyName("digest")] public string? Digest { get; set; }
    [JsonPropertyName("details")] public JsonElement? Details { get; set; }
    [JsonPropertyName("expires_at"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public string? ExpiresAt { get; set; }
    [JsonPropertyName("size_vram"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public long? SizeVram { get; set; }
    [JsonExtensionData] public Dictionary<string, JsonElement>? Extra { get; set; }
}

internal sealed class OllamaModelList
{
    [JsonPropertyName("models")] public List<OllamaModelEntry> Models { get; set; } = [];
}

internal sealed class OllamaVersion
{
    [JsonPropertyName("version")] public string? Version { get; set; }
}

internal sealed class OllamaError
{
    [JsonPropertyName("error")] public string Error { get; set; } = "";
}
