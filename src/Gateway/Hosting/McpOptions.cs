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

internal sealed class McpServerOptions
{
    /// <summary>stdio: the program to start (its stdout carries the protocol; its stderr goes to the gateway's log).</summary>
    public string? Command { get; set; }

    public List<string> Arguments { get; set; } = [];

    public Dictionary<string, string?> Environment { get; set; } = new(StringComparer.Ordinal);

    public string? WorkingDirectory { get; set; }

    /// <summary>Streamable HTTP: the server's MCP endpoint.</summary>
    public Uri? Url { get; set; }

    /// <summary>Sent with every HTTP request (for example an Authorization header for the MCP server).</summary>
    public Dictionary<string, string> Headers { get; set; } = new(StringComparer.Ordinal);

    public TimeSpan ConnectTimeout { get; set; } = TimeSpan.FromSeconds(15);
}
