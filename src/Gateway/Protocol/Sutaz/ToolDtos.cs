using System.Text.Json;
using System.Text.Json.Serialization;

namespace SutazAi.Gateway.Protocol.Sutaz;

/// <summary>GET /api/v1/tools: every tool an agent can be given, with its JSON schema.</summary>
internal sealed class ToolListView
{
    [JsonPropertyName("tools")] public List<ToolView> Tools { get; set; } = [];
}

internal sealed class ToolView
{
    /// <summary>What an agent lists in config.tools.</summary>
    [JsonPropertyName("name")] public string Name { get; set; } = "";

    /// <summary>The function name the model sees (the same as <see cref="Name"/> for built-in tools).</summary>
    [JsonPropertyName("function")] public string Function { get; set; } = "";
    [JsonPropertyName("description")] public string Description { get; set; } = "";
    [JsonPropertyName("parameters")] public JsonElement Parameters { get; set; }
}
