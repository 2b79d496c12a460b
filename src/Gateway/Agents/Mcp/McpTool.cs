using Microsoft.Extensions.AI;

namespace SutazAi.Gateway.Agents.Mcp;

/// <summary>An MCP tool: its name on the server, and the function agents are given.</summary>
internal sealed record McpTool(string OriginalName, AIFunction Function);
