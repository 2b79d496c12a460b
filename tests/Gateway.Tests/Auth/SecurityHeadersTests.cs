using System.Net;
using SutazAi.Gateway.Tests.Infrastructure;
using SutazAi.TestKit;

namespace SutazAi.Gateway.Tests.Auth;

/// <summary>RELIABILITY.md SEC-03 (headers part): every answer, errors and streams included, carries the same safety headers and a request id.</summary>
public sealed class SecurityHeadersTests
{
    [Fact]
    public async Task Answers_CarryTheSafetyHeaders_AndARequestId_OnSuccessErrorAndStream()
    {
        await using var fake = await FakeOllama.StartAsync("llama3:latest");
        await using var gateway = GatewayFactory.For(fake);
        var client = gateway.Client();

        using var tagged = new HttpRequestMessage(HttpMethod.Get, "/api/tags");
        tagged.Headers.Add("X-Request-ID", "req-123.abc");
        using var hostile = new HttpRequestMessage(HttpMethod.Get, "/api/tags");
        hostile.Headers.TryAddWithoutValidation("X-Request-ID", "<script>alert(1)</script>");
        var answers = new[]
        {
            await client.SendAsync(tagged),
            await client.SendAsync(hostile),
            await gateway.AnonymousClient().GetAsync("/v1/models"),
            await client.PostAsync("/api/chat", new StringContent("""{"model":"llama3","messages":[{"role":"user","content":"hi"}]}""", System.Text.Encoding.UTF8, "application/json")),
            await client.GetAsync("/api/v1/auth/keys"),
        };

        Assert.Equal(HttpStatusCode.Unauthorized, answers[2].StatusCode);
        foreach (var answer in answers)
        {
            Assert.Equal("nosniff", answer.Headers.GetValues("X-Content-Type-Options").Single());
            Assert.Equal("DENY", answer.Headers.GetValues("X-Frame-Options").Single());
            Assert.Equal("no-referrer", answer.Headers.GetValues("Referrer-Policy").Single());
            Assert.Contains("frame-ancestors 'none'", answer.Headers.GetValues("Content-Security-Policy").Single(), StringComparison.Ordinal);
            Assert.False(answer.Headers.Contains("Server"));
            Assert.NotEmpty(answer.Headers.GetValues("X-Request-ID").Single());
        }

        Assert.Equal("req-123.abc", answers[0].Headers.GetValues("X-Request-ID").Single());
        Assert.NotEqual("<script>alert(1)</script>", answers[1].Headers.GetValues("X-Request-ID").Single());
        Assert.Equal("no-store", answers[4].Headers.CacheControl?.ToString());
    }
}
