using System.Globalization;
using System.Text;
using SutazAi.Gateway.Tests.BadInput;
using SutazAi.Gateway.Tests.Infrastructure;
using SutazAi.TestKit;

namespace SutazAi.Gateway.Tests.Hardening;

/// <summary>
/// IN-02 (request head), written byte by byte on a raw socket: more than 100 headers or more than 32 KB of them is a
/// 431, a request line over 8 KB is a 414; Kestrel closes the connection afterwards, nothing reaches FakeOllama, and
/// the gateway keeps serving new connections.
/// </summary>
public sealed class RequestHeadLimitTests
{
    private static readonly string s_chatBody = RouteBodies.Json("/api/chat");

    /// <summary>
    /// POST /api/chat with a valid body: were the head accepted, it would be forwarded. Host, Authorization,
    /// Content-Type and Content-Length are four of the headers counted against the limit of 100.
    /// </summary>
    private static string ChatRequest(string target = "/api/chat", int padHeaders = 0, string? extraHeader = null)
    {
        var head = new StringBuilder()
            .Append(CultureInfo.InvariantCulture, $"POST {target} HTTP/1.1\r\n")
            .Append("Host: gateway\r\nAuthorization: Bearer " + TestAuth.AdminKey + "\r\n")
            .Append("Content-Type: application/json\r\n")
            .Append(CultureInfo.InvariantCulture, $"Content-Length: {Encoding.UTF8.GetByteCount(s_chatBody)}\r\n");
        for (var i = 0; i < padHeaders; i++)
        {
            head.Append(CultureInfo.InvariantCulture, $"X-Pad-{i}: v\r\n");
        }

        if (extraHeader is not null)
        {
            head.Append(extraHeader).Append("\r\n");
        }

        return head.Append("\r\n").Append(s_chatBody).ToString();
    }

    private static string OversizedRequest(string shape) => shape switch
    {
        "101 headers" => ChatRequest(padHeaders: 97),
        "one 40 KB header" => ChatRequest(extraHeader: "X-Big: " + new string('a', 40 * 1024)),
        "9 KB request line" => ChatRequest(target: "/api/chat?pad=" + new string('a', 9 * 1024)),
        _ => throw new ArgumentOutOfRangeException(nameof(shape), shape, "unknown shape"),
    };

    [Theory]
    [InlineData("101 headers", 431)]
    [InlineData("one 40 KB header", 431)]
    [InlineData("9 KB request line", 414)]
    public async Task Post_OversizedRequestHead_RejectedClosedAndNotForwarded(string shape, int expected)
    {
        var request = OversizedRequest(shape);
        await using var fake = await FakeOllama.StartAsync(RouteBodies.Model);
        await using var gateway = GatewayFactory.For(fake);
        await using var connection = await RawHttpConnection.OpenAsync(gateway.BaseAddress);

        await connection.SendAsync(request);
        var response = await connection.ReadResponseAsync(TimeSpan.FromSeconds(5));

        Assert.True(response is not null, $"{shape}: connection closed without a response");
        Assert.True(response.Status == expected, $"{shape}: expected {expected}, got {response}");
        Assert.Null(HardeningChecks.Leak(response.Body));
        Assert.True(await connection.WaitClosedAsync(TimeSpan.FromSeconds(5)), $"{shape}: connection still open 5 s after the {expected}");
        await HardeningChecks.AssertLiveAsync(gateway);
        ErrorBodies.AssertNoGeneration(fake);
    }

    /// <summary>The control for the raw client: at exactly the limit of 100 headers the same request goes through.</summary>
    [Fact]
    public async Task Post_ExactlyHundredHeaders_Forwarded()
    {
        await using var fake = await FakeOllama.StartAsync(RouteBodies.Model);
        await using var gateway = GatewayFactory.For(fake);
        await using var connection = await RawHttpConnection.OpenAsync(gateway.BaseAddress);

        await connection.SendAsync(ChatRequest(padHeaders: 96));
        var response = await connection.ReadResponseAsync(TimeSpan.FromSeconds(10));

        Assert.True(response?.Status == 200, $"expected 200, got {response?.ToString() ?? "a closed connection"}");
        Assert.Equal(RouteBodies.Model, Assert.Single(fake.RequestsTo("/api/chat")).Model);
    }
}
