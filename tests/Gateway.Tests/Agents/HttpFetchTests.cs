using System.Net;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.AI;
using SutazAi.Agents.Runtime;
using SutazAi.Plugins.Tools;

namespace SutazAi.Gateway.Tests.Agents;

/// <summary>http_fetch: GET only, SSRF closed off (internal addresses refused unless allow-listed, redirects re-checked), size and time capped.</summary>
public sealed class HttpFetchTests : IAsyncLifetime
{
    private WebApplication _site = null!;
    private Uri _base = null!;
    private readonly TaskCompletionSource _never = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public async Task InitializeAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        _site = builder.Build();
        _site.MapGet("/page", () => Results.Text("<h1>hello</h1>", "text/html; charset=utf-8"));
        _site.MapGet("/big", () => Results.Text(new string('x', 5000), "text/plain"));
        _site.MapGet("/to-metadata", () => Results.Redirect("http://169.254.169.254/latest/meta-data/"));
        _site.MapGet("/to-page", () => Results.Redirect("/page"));
        _site.MapGet("/slow", async () =>
        {
            await _never.Task;
            return Results.Ok();
        });
        await _site.StartAsync();
        _base = new Uri(_site.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First() + "/");
    }

    public async Task DisposeAsync()
    {
        _never.TrySetResult();
        await _site.DisposeAsync();
    }

    private static HttpFetch Fetcher(int maxBytes = 1024 * 1024, bool allowLoopback = true)
    {
        var options = new HttpFetchOptions { MaxBytes = maxBytes, Timeout = TimeSpan.FromMilliseconds(1500) };
        if (allowLoopback)
        {
            options.AllowedHosts.Add("127.0.0.1");
        }

        return new HttpFetch(options);
    }

    [Fact]
    public async Task AllowListedHost_IsFetched_RedirectsFollowedAndRechecked()
    {
        using var fetch = Fetcher();

        var page = await fetch.FetchAsync(new Uri(_base, "to-page").ToString(), default);

        Assert.Equal(200, page.Status);
        Assert.Equal("<h1>hello</h1>", page.Content);
        Assert.StartsWith("text/html", page.ContentType, StringComparison.Ordinal);
        Assert.EndsWith("/page", page.Url, StringComparison.Ordinal);
        var metadata = await Assert.ThrowsAsync<ToolException>(() => fetch.FetchAsync(new Uri(_base, "to-metadata").ToString(), default));
        Assert.Contains("169.254.169.254", metadata.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("http://127.0.0.1:9/")]
    [InlineData("http://localhost:9/")]
    [InlineData("http://[::1]:9/")]
    [InlineData("http://10.1.2.3/")]
    [InlineData("http://192.168.0.1/")]
    [InlineData("http://172.20.0.1/")]
    [InlineData("http://169.254.169.254/latest/meta-data/")]
    [InlineData("http://100.64.0.1/")]
    [InlineData("http://0.0.0.0/")]
    [InlineData("http://[fd00:ec2::254]/")]
    [InlineData("http://[::ffff:127.0.0.1]/")]
    public async Task InternalAddresses_AreRefusedBeforeAnyConnection(string url)
    {
        using var fetch = Fetcher(allowLoopback: false);

        var refused = await Assert.ThrowsAsync<ToolException>(() => fetch.FetchAsync(url, default));

        Assert.Contains("is not fetched", refused.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("file:///etc/passwd")]
    [InlineData("ftp://example.com/")]
    [InlineData("gopher://example.com/")]
    [InlineData("/relative")]
    [InlineData("http://user:pass@example.com/")]
    public async Task OnlyHttpAndHttpsWithoutCredentials(string url)
    {
        using var fetch = Fetcher();

        await Assert.ThrowsAsync<ToolException>(() => fetch.FetchAsync(url, default));
    }

    [Fact]
    public async Task LargeBodies_AreCut_AndSlowOnesTimeOut()
    {
        using var fetch = Fetcher(maxBytes: 1000);

        var big = await fetch.FetchAsync(new Uri(_base, "big").ToString(), default);
        var slow = await Assert.ThrowsAsync<ToolException>(() => fetch.FetchAsync(new Uri(_base, "slow").ToString(), default));

        Assert.True(big.Truncated);
        Assert.Equal(1000, big.Content.Length);
        Assert.Contains("within 1.5 s", slow.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AsATool_ItTakesOnlyAUrl()
    {
        using var fetch = Fetcher();
        var tool = fetch.AsTool();

        var result = (JsonElement)(await tool.InvokeAsync(new AIFunctionArguments { ["url"] = new Uri(_base, "page").ToString() }))!;

        Assert.Equal(["url"], tool.JsonSchema.GetProperty("properties").EnumerateObject().Select(p => p.Name));
        Assert.Equal(200, result.GetProperty("status").GetInt32());
        Assert.Equal("<h1>hello</h1>", result.GetProperty("content").GetString());
    }

    [Theory]
    [InlineData("8.8.8.8", true)]
    [InlineData("1.1.1.1", true)]
    [InlineData("2606:4700:4700::1111", true)]
    [InlineData("127.0.0.1", false)]
    [InlineData("224.0.0.1", false)]
    [InlineData("fe80::1", false)]
    [InlineData("2001:db8::1", false)]
    public void IsPublic_OnlyGloballyRoutableUnicast(string address, bool expected) => Assert.Equal(expected, HttpFetch.IsPublic(IPAddress.Parse(address)));
}
