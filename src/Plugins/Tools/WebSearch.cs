using System.ComponentModel;
using System.Text.Json;
using Microsoft.Extensions.AI;
using SutazAi.Agents.Runtime;

namespace SutazAi.Plugins.Tools;

/// <summary>Settings of <see cref="WebSearch"/>.</summary>
public sealed class WebSearchOptions
{
    /// <summary>A SearxNG-compatible instance (GET {Url}/search?q=…&amp;format=json); the tool says it is unavailable when unset.</summary>
    public Uri? Url { get; set; }

    public int MaxResults { get; set; } = 5;

    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(10);
}

/// <summary>
/// web_search through a configured SearxNG-compatible endpoint (the operator's own instance, so it is not subject to
/// http_fetch's address rules). Without one the tool answers that web search is not configured, so the model can
/// say so instead of inventing results.
/// </summary>
public sealed class WebSearch(WebSearchOptions options, HttpClient http)
{
    public AIFunction AsTool() => AIFunctionFactory.Create(
        ([Description("What to search the web for.")] string query, CancellationToken cancellationToken) => SearchAsync(query, cancellationToken),
        "web_search",
        "Searches the web and returns the top results (title, URL, snippet). Use http_fetch to read a result.");

    public async Task<IReadOnlyList<SearchResult>> SearchAsync(string query, CancellationToken cancellationToken)
    {
        var endpoint = options.Url ?? throw new ToolException("web search is not configured on this gateway (Tools:WebSearch:Url)");
        if (string.IsNullOrWhiteSpace(query))
        {
            throw new ToolException("the query is empty");
        }

        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(options.Timeout);
        try
        {
            var url = new Uri(endpoint, $"search?q={Uri.EscapeDataString(query)}&format=json");
            using var response = await http.GetAsync(url, timeout.Token).ConfigureAwait(false);
            if (!response.IsSuccessStatusCode)
            {
                throw new ToolException($"the search service answered {(int)response.StatusCode}");
            }

            using var document = await JsonDocument.ParseAsync(await response.Content.ReadAsStreamAsync(timeout.Token).ConfigureAwait(false),
                cancellationToken: timeout.Token).ConfigureAwait(false);
            if (!document.RootElement.TryGetProperty("results", out var results) || results.ValueKind != JsonValueKind.Array)
            {
                throw new ToolException("the search service sent no results list");
            }

            return [.. results.EnumerateArray().Take(options.MaxResults).Select(r => new SearchResult(
                Text(r, "title"), Text(r, "url"), Text(r, "content")))];
        }
        catch (OperationCanceledException) when (timeout.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            throw new ToolException($"the search service did not answer within {options.Timeout.TotalSeconds:0.#} s");
        }
        catch (Exception e) when (e is HttpRequestException or JsonException)
        {
            throw new ToolException("the search service is unavailable");
        }
    }

    private static string Text(JsonElement result, string name) =>
        result.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString()! : "";

    public sealed record SearchResult(string Title, string Url, string Snippet);
}
