namespace SutazAi.Gateway.Hosting;

/// <summary>
/// MCP servers whose tools agents can list (as "mcp:&lt;name&gt;" or "mcp:&lt;name&gt;/&lt;tool&gt;"). Each is either a command the
/// gateway starts and talks to over stdio, or a Streamable HTTP endpoint.
/// </summary>
internal sealed class McpOptions
{
    public const string Section = "Mcp";

    public Dictionary<string, McpServerOptions> Servers { get; set; } = new(StringComparer.Ordinal);
}
