using Microsoft.Extensions.AI;
using Microsoft.Extensions.Options;
using SutazAi.Gateway.Agents.Mcp;
using SutazAi.Gateway.Documents;
using SutazAi.Gateway.Errors;
using SutazAi.Gateway.Vectors;
using SutazAi.Plugins.Documents;
using SutazAi.Plugins.Memory;
using SutazAi.Plugins.Tools;

namespace SutazAi.Gateway.Agents;

/// <summary>
/// The tools agents can be given, by name: the built-in plugins, and the tools of the configured MCP servers
/// ("mcp:&lt;server&gt;" for all of a server's tools, "mcp:&lt;server&gt;/&lt;tool&gt;" for one). An agent lists the names it may
/// use ("agent:&lt;name&gt;" names another agent to delegate to; <see cref="AgentRunner"/> builds those); a run is only ever given the tools of its agent (the tool loop runs nothing else), built for the run's
/// <see cref="ToolScope"/> so data tools reach only the caller's data.
/// </summary>
internal sealed class ToolCatalog : IDisposable
{
    public const string McpPrefix = "mcp:";
    private readonly Dictionary<string, Func<ToolScope, AIFunction>> _builtIns;
    private readonly HttpFetch _fetch;
    private readonly HttpClient _search = new();
    private readonly McpToolbox _mcp;

    public ToolCatalog(TimeProvider time, IOptions<HttpFetchOptions> fetch, IOptions<WebSearchOptions> search, VectorMemory memory,
        DocumentLibrary documents, McpToolbox mcp, IEnumerable<HostTool> hostTools)
    {
        _fetch = new HttpFetch(fetch.Value);
        _mcp = mcp;
        var calculator = BuiltInTools.Calculator();
        var datetime = BuiltInTools.DateTime(time);
        var httpFetch = _fetch.AsTool();
        var webSearch = new WebSearch(search.Value, _search).AsTool();
        _builtIns = new Dictionary<string, Func<ToolScope, AIFunction>>(StringComparer.Ordinal)
        {
            [calculator.Name] = _ => calculator,
            [datetime.Name] = _ => datetime,
            [httpFetch.Name] = _ => httpFetch,
            [webSearch.Name] = _ => webSearch,
            ["memory_search"] = scope => MemoryTools.Search(new MemoryScope(memory, scope)),
            ["memory_save"] = scope => MemoryTools.Save(new MemoryScope(memory, scope)),
            ["document_analyzer"] = scope => DocumentAnalyzer.AsTool(new DocumentScope(documents, scope)),
        };
        foreach (var host in hostTools)
        {
            _builtIns.Add(host.Function.Name, _ => host.Function);
        }
    }

    /// <summary>Every tool an agent can name, with its schema: the built-ins, then the MCP tools discovered so far.</summary>
    public async Task<IReadOnlyList<(string Reference, AIFunction Tool)>> ListAsync(CancellationToken cancellationToken)
    {
        var tools = _builtIns.Select(b => (b.Key, b.Value(ToolScope.Listing))).ToList();
        foreach (var server in _mcp.Servers)
        {
            foreach (var tool in await _mcp.TryListAsync(server, cancellationToken).ConfigureAwait(false))
            {
                tools.Add(($"{McpPrefix}{server}/{tool.OriginalName}", tool.Function));
            }
        }

        return tools;
    }

    public void Dispose()
    {
        _fetch.Dispose();
        _search.Dispose();
    }

    /// <summary>Whether an agent may list this name: a built-in, or an MCP reference to a configured server.</summary>
    public bool Contains(string name) =>
        _builtIns.ContainsKey(name) || (TryParseMcp(name, out var server, out _) && _mcp.Servers.Contains(server, StringComparer.Ordinal))
        || (AgentChat.IsAgentModel(name, out var agent) && AgentRules.IsValidName(agent));

    /// <summary>Checks the names an agent lists; an unknown one is a 400 naming <paramref name="field"/>.</summary>
    public void Validate(IEnumerable<string> names, string field)
    {
        foreach (var name in names)
        {
            if (!Contains(name))
            {
                var known = _builtIns.Keys.Concat(_mcp.Servers.Select(s => McpPrefix + s)).Order(StringComparer.Ordinal).Append("agent:<name>");
                throw GatewayException.Invalid($"unknown tool '{name}'; available: {string.Join(", ", known)}", field);
            }
        }
    }

    /// <summary>The run's tools, built for its scope. An MCP server that cannot be reached fails the run, saying which.</summary>
    public async Task<IReadOnlyList<AIFunction>> ResolveAsync(IEnumerable<string> names, ToolScope scope, CancellationToken cancellationToken)
    {
        var tools = new List<AIFunction>();
        foreach (var name in names)
        {
            if (_builtIns.TryGetValue(name, out var build))
            {
                tools.Add(build(scope));
            }
            else if (TryParseMcp(name, out var server, out var tool))
            {
                tools.AddRange(await _mcp.ToolsAsync(server, tool, cancellationToken).ConfigureAwait(false));
            }
            else
            {
                Validate([name], "config.tools");
            }
        }

        return tools;
    }

    private static bool TryParseMcp(string name, out string server, out string? tool)
    {
        server = "";
        tool = null;
        if (!name.StartsWith(McpPrefix, StringComparison.Ordinal))
        {
            return false;
        }

        var rest = name[McpPrefix.Length..];
        var slash = rest.IndexOf('/', StringComparison.Ordinal);
        server = slash < 0 ? rest : rest[..slash];
        tool = slash < 0 ? null : rest[(slash + 1)..];
        return server.Length > 0 && tool is not { Length: 0 };
    }
}
