using System.Net;
using SutazAi.Gateway.Tests.Infrastructure;
using SutazAi.TestKit;

namespace SutazAi.Gateway.Tests.Auth;

/// <summary>RELIABILITY.md SEC-03 (CORS part): only configured origins are answered, echoed exactly, never with credentials.</summary>
public sealed class CorsTests
{
    private static HttpRequestMessage Request(HttpMethod method, string origin, string? preflightMethod = null)
    {
        var request = new HttpRequestMessage(method, "/v1/models");
        request.Headers.Add("Origin", origin);
        if (preflightMethod is not null)
        {
            request.Headers.Add("Access-Control-Request-Method", preflightMethod);
            request.Headers.Add("Access-Control-Request-Headers", "authorization,content-type");
        }

        return request;
    }

    [Fact]
    public async Task ConfiguredOrigins_AreEchoedExactly_OthersGetNoCorsHeaders_AndCredentialsAreNeverAllowed()
    {
        await using var fake = await FakeOllama.StartAsync("llama3:latest");
        await using var gateway = new GatewayFactory([fake.BaseUri], new Dictionary<string, string?> { ["Cors:AllowedOrigins:0"] = "https://app.example" });
        var client = gateway.Client();

        var allowed = await client.SendAsync(Request(HttpMethod.Get, "https://app.example"));
        var evil = await client.SendAsync(Request(HttpMethod.Get, "https://evil.example"));
        var nullOrigin = await client.SendAsync(Request(HttpMethod.Get, "null"));
        var preflight = await gateway.AnonymousClient().SendAsync(Request(HttpMethod.Options, "https://app.example", "POST"));
        var evilPreflight = await gateway.AnonymousClient().SendAsync(Request(HttpMethod.Options, "https://evil.example", "POST"));
        var badMethod = await gateway.AnonymousClient().SendAsync(Request(HttpMethod.Options, "https://app.example", "PURGE"));

        Assert.Equal(HttpStatusCode.OK, allowed.StatusCode);
        Assert.Equal("https://app.example", allowed.Headers.GetValues("Access-Control-Allow-Origin").Single());
        Assert.False(allowed.Headers.Contains("Access-Control-Allow-Credentials"));
        Assert.False(evil.Headers.Contains("Access-Control-Allow-Origin"));
        Assert.False(nullOrigin.Headers.Contains("Access-Control-Allow-Origin"));
        Assert.Equal(HttpStatusCode.NoContent, preflight.StatusCode);
        Assert.Equal("https://app.example", preflight.Headers.GetValues("Access-Control-Allow-Origin").Single());
        Assert.Contains("POST", preflight.Headers.GetValues("Access-Control-Allow-Methods").Single(), StringComparison.Ordinal);
        Assert.False(evilPreflight.Headers.Contains("Access-Control-Allow-Origin"));

        // A preflight never reaches an endpoint: it is answered (or not) by the CORS layer, before authentication.
        Assert.Empty(fake.RequestsTo("/api/chat"));
        using var chatPreflight = new HttpRequestMessage(HttpMethod.Options, "/api/chat");
        chatPreflight.Headers.Add("Origin", "https://evil.example");
        chatPreflight.Headers.Add("Access-Control-Request-Method", "POST");
        var refused = await gateway.AnonymousClient().SendAsync(chatPreflight);
        Assert.False(refused.Headers.Contains("Access-Control-Allow-Origin"));
        Assert.Empty(fake.RequestsTo("/api/chat"));
        Assert.False(badMethod.Headers.TryGetValues("Access-Control-Allow-Methods", out var methods) && methods.Single().Contains("PURGE", StringComparison.Ordinal));
    }

    [Fact]
    public async Task WithoutConfiguration_NoOriginIsAnswered()
    {
        await using var fake = await FakeOllama.StartAsync("llama3:latest");
        await using var gateway = GatewayFactory.For(fake);

        var answer = await gateway.Client().SendAsync(Request(HttpMethod.Get, "https://app.example"));

        Assert.Equal(HttpStatusCode.OK, answer.StatusCode);
        Assert.False(answer.Headers.Contains("Access-Control-Allow-Origin"));
    }
}
