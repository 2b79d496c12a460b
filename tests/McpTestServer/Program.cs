using ModelContextProtocol.Server;
using SutazAi.McpTestServer;

// A real MCP server over stdio (the gateway starts it as a child process): JSON-RPC on stdin/stdout, nothing else
// on stdout. It ends when its stdin closes.
await using var transport = new StdioServerTransport(TestTools.Options(), loggerFactory: null);
await using var server = McpServer.Create(transport, TestTools.Options(), loggerFactory: null, serviceProvider: null);
await server.RunAsync();
