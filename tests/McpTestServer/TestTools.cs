using System.ComponentModel;
using ModelContextProtocol.Server;

namespace SutazAi.McpTestServer;

/// <summary>The tools this MCP server offers: small, deterministic, and each showing one thing a client must handle.</summary>
public static class TestTools
{
    private static Delegate Func<T, TResult>(Func<T, TResult> function) => function;

    public static McpServerPrimitiveCollection<McpServerTool> Create()
    {
        var tools = new McpServerPrimitiveCollection<McpServerTool>();
        tools.Add(McpServerTool.Create(
            ([Description("First addend")] int a, [Description("Second addend")] int b) => a + b,
            new McpServerToolCreateOptions { Name = "add", Description = "Adds two integers." }));
        tools.Add(McpServerTool.Create(
            ([Description("Text to send back")] string text) => $"echo: {text}",
            new McpServerToolCreateOptions { Name = "echo", Description = "Returns the text it was given." }));
        tools.Add(McpServerTool.Create(
            () => $"pid {Environment.ProcessId}",
            new McpServerToolCreateOptions { Name = "process", Description = "Says which process serves the call." }));
        tools.Add(McpServerTool.Create(
            Func<string, string>((string reason) => throw new InvalidOperationException($"failed on purpose: {reason}")),
            new McpServerToolCreateOptions { Name = "fail", Description = "Always fails." }));
        return tools;
    }

    public static McpServerOptions Options() => new()
    {
        ServerInfo = new ModelContextProtocol.Protocol.Implementation { Name = "sutazai-test-tools", Version = "1.0" },
        ToolCollection = Create(),
    };
}
