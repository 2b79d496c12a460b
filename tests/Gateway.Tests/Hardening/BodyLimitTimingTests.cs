using System.Globalization;
using System.Text;
using SutazAi.Gateway.Tests.BadInput;
using SutazAi.Gateway.Tests.Infrastructure;
using SutazAi.TestKit;

namespace SutazAi.Gateway.Tests.Hardening;

/// <summary>
/// IN-02 (bodies), the part BadInput/BodySizeTests cannot see through HttpClient: the 413 comes before the body is
/// read when Content-Length already says too much, and as soon as the limit is passed when chunked (the sender never
/// finishes). Either way the connection is closed afterwards and nothing is forwarded.
/// </summary>
public sealed class BodyLimitTimingTests
{
    private const int Limit = 4096;

    /// <summary>Well inside the 5 s minimum-data-rate grace period: a gateway that waited for the body would time out instead.</summary>
    private static readonly TimeSpan s_promptly = TimeSpan.FromSeconds(3);

    private static GatewayFactory Gateway(FakeOllama fake) =>
        new([fake.BaseUri], new Dictionary<string, string?> { ["Limits:MaxRequestBodyBytes"] = Limit.ToString(CultureInfo.InvariantCulture) });

    [Fact]
    public async Task OllamaChat_ContentLengthOneOverLimitAndNoBodySent_Returns413Promptly()
    {
        await using var fake = await FakeOllama.StartAsync(RouteBodies.Model);
        await using var gateway = Gateway(fake);
        await using var connection = await RawHttpConnection.OpenAsync(gateway.BaseAddress);

        await connection.SendAsync($"POST /api/chat HTTP/1.1\r\nHost: gateway\r\nAuthorization: Bearer {TestAuth.AdminKey}\r\nContent-Type: application/json\r\nContent-Length: {Limit + 1}\r\n\r\n");
        var response = await connection.ReadResponseAsync(s_promptly);

        await AssertRejectedAndClosedAsync(response, connection, gateway, fake);
    }

    [Fact]
    public async Task OllamaChat_ChunkedBodyPassesLimitAndNeverEnds_Returns413Promptly()
    {
        await using var fake = await FakeOllama.StartAsync(RouteBodies.Model);
        await using var gateway = Gateway(fake);
        await using var connection = await RawHttpConnection.OpenAsync(gateway.BaseAddress);
        var prefix = """{"model":"llama3:latest","stream":false,"messages":[{"role":"user","content":""" + "\"" + new string('x', Limit + 100);

        await connection.SendAsync("POST /api/chat HTTP/1.1\r\nHost: gateway\r\nAuthorization: Bearer " + TestAuth.AdminKey + "\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n");
        await connection.SendAsync(Encoding.UTF8.GetByteCount(prefix).ToString("x", CultureInfo.InvariantCulture) + "\r\n" + prefix + "\r\n");
        var response = await connection.ReadResponseAsync(s_promptly);

        await AssertRejectedAndClosedAsync(response, connection, gateway, fake);
    }

    private static async Task AssertRejectedAndClosedAsync(RawHttpResponse? response, RawHttpConnection connection, GatewayFactory gateway, FakeOllama fake)
    {
        Assert.True(response is not null, "connection closed without a response");
        Assert.True(response.Status == 413, $"expected 413, got {response}");
        Assert.StartsWith("application/json", response.Header("Content-Type") ?? "", StringComparison.Ordinal);
        Assert.Equal("request body is too large", ErrorBodies.AssertOllama(response.Body));
        Assert.True(await connection.WaitClosedAsync(TimeSpan.FromSeconds(5)), "connection still open 5 s after the 413");
        await HardeningChecks.AssertLiveAsync(gateway);
        ErrorBodies.AssertNoGeneration(fake);
    }
}
