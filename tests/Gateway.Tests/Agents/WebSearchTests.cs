using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using SutazAi.Agents.Runtime;
using SutazAi.Plugins.Tools;

namespace SutazAi.Gateway.Tests.Agents;

/// <summary>web_search against a fake SearxNG instance; without one it says it is not configured.</summary>
public sealed class WebSearchTests : IAsyncLifetime
{
    private WebApplication _searx = null!;
    private Uri _base = null!;
    private readonly List<string> _queries = [];

    public async Task InitializeAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        _searx = builder.Build();
        _searx.MapGet("/search", (string q, string format) =>
        {
            lock (_queries)
            {
                _queries.Add($"{q}|{format}");
            }

            return q == "broken"
                ? Results.StatusCode(502)
                : Results.Text("""
                    {"query":"x","results":[
                      {"title":"First","url":"https://a.example/1","content":"one"},
                      {"title":"Second","url":"https://a.example/2","content":"two"},
                      {"title":"Third","url":"https://a.example/3"}]}
                    """, "application/json");
        });
        await _searx.StartAsync();
        _base = new Uri(_searx.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First() + "/");
    }

    public async Task DisposeAsync() => await _searx.DisposeAsync();

    [Fact]
    public async Task Search_ReturnsTheTopResults_FromTheConfiguredInstance()
    {
        using var http = new HttpClient();
        var search = new WebSearch(new WebSearchOptions { Url = _base, MaxResults = 2 }, http);

        var results = await search.SearchAsync("sky & sea", default);

        Assert.Equal([new WebSearch.SearchResult("First", "https://a.example/1", "one"), new WebSearch.SearchResult("Second", "https://a.example/2", "two")], results);
        Assert.Equal(["sky & sea|json"], _queries);
        Assert.Contains("502", (await Assert.ThrowsAsync<ToolException>(() => search.SearchAsync("broken", default))).Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task NotConfigured_SaysSoInsteadOfInventingResults()
    {
        using var http = new HttpClient();
        var search = new WebSearch(new WebSearchOptions(), http);

        var error = await Assert.ThrowsAsync<ToolException>(() => search.SearchAsync("anything", default));

        Assert.Equal("web search is not configured on this gateway (Tools:WebSearch:Url)", error.Message);
        Assert.Empty(_queries);
    }
}
