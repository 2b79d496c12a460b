using System.Text.Json;
using System.Text.Json.Serialization;

namespace SutazAi.Gateway.Protocol.Ollama;

internal sealed class OllamaGenerateRequest : IGenerationRequest
{
    [JsonPropertyName("model")] public string? Model { get; set; }
    [JsonPropertyName("name")] public string? Name { get; set; }
    [JsonPropertyName("prompt")] public string? Prompt { get; set; }
    [JsonPropertyName("suffix")] public string? Suffix { get; set; }
    [JsonPropertyName("system")] public string? System { get; set; }
    [JsonPropertyName("template")] public string? Template { get; set; }
    [JsonPropertyName("context")] public List<long>? Context { get; set; }
    [JsonPropertyName("stream")] public bool? Stream { get; set; }
    [JsonPropertyName("raw")] public bool? Raw { get; set; }
    [JsonPropertyName("format")] public JsonElement? Format { get; set; }
    [JsonPropertyName("keep_alive")] public JsonElement? KeepAlive { get; set; }
    [JsonPropertyName("images")] public List<string>? Images { get; set; }
    [JsonPropertyName("options")] public Dictionary<string, JsonElement>? Options { get; set; }
    [JsonPropertyName("think")] public JsonElement? Think { get; set; }
    [JsonPropertyName("truncate")] public bool? Truncate { get; set; }
    [JsonPropertyName("shift")] public bool? Shift { get; set; }
    [JsonPropertyName("logprobs")] public bool? Logprobs { get; set; }
    [JsonPropertyName("top_logprobs")] public int? TopLogprobs { get; set; }
}
