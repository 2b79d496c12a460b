namespace SutazAi.Gateway.Hosting;

/// <summary>One MCP server: a stdio command, or a Streamable HTTP URL.</summary>
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
