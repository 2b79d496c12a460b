using Microsoft.Extensions.AI;
using SutazAi.Plugins.Tools;

namespace SutazAi.Gateway.Agents;

/// <summary>
/// The tools agents can be given, by name. An agent lists the names it may use; a request can only ever carry the
/// tools of its agent (the tool loop runs nothing else).
/// </summary>
internal sealed class ToolCatalog : IDisposable
{
    private readonly Dictionary<string, AIFunction> _tools;
    private readonly HttpFetch _fetch;
    private readonly HttpClient _search = new();

    public ToolCatalog(TimeProvider time, Microsoft.Extensions.Options.IOptions<HttpFetchOptions> fetch,
        Microsoft.Extensions.Options.IOptions<WebSearchOptions> search)
    {
        _fetch = new HttpFetch(fetch.Value);
        AIFunction[] tools =
        [
            BuiltInTools.Calculator(),
            BuiltInTools.DateTime(time),
            _fetch.AsTool(),
            new WebSearch(search.Value, _search).AsTool(),
        ];
        _tools = tools.ToDictionary(t => t.Name, StringComparer.Ordinal);
    }

    public IReadOnlyCollection<AIFunction> All => _tools.Values;

    public void Dispose()
    {
        _fetch.Dispose();
        _search.Dispose();
    }

    public bool Contains(string name) => _tools.ContainsKey(name);

    /// <summary>The named tools; an unknown name is a 400 naming <paramref name="field"/>.</summary>
    public IReadOnlyList<AIFunction> Resolve(IEnumerable<string> names, string field) =>
        [.. names.Select(n => _tools.TryGetValue(n, out var tool)
            ? tool
            : throw Errors.GatewayException.Invalid($"unknown tool '{n}'; available: {string.Join(", ", _tools.Keys.Order(StringComparer.Ordinal))}", field))];
}
