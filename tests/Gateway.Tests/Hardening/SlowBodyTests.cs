using System.Diagnostics;
using SutazAi.Gateway.Tests.BadInput;
using SutazAi.Gateway.Tests.Infrastructure;
using SutazAi.TestKit;

namespace SutazAi.Gateway.Tests.Hardening;

/// <summary>
/// CL-04 slow POST: a body announced as 10,000 bytes and sent at one byte per second falls below Kestrel's minimum
/// request-body data rate (240 B/s after a 5 s grace period). The gateway must answer 408 or close the connection,
/// after the grace period and within a heartbeat plus margin of it, and forward nothing.
/// </summary>
public sealed class SlowBodyTests
{
    private static readonly TimeSpan s_grace = TimeSpan.FromSeconds(5);

    /// <summary>Grace period, up to one 1 s heartbeat, and slack for a loaded 2-core runner.</summary>
    private static readonly TimeSpan s_deadline = s_grace + TimeSpan.FromSeconds(4);

    [Fact]
    public async Task OllamaChat_BodyAtOneBytePerSecond_Returns408OrClosesAfterGracePeriod()
    {
        await using var fake = await FakeOllama.StartAsync(RouteBodies.Model);
        await using var gateway = GatewayFactory.For(fake);
        await using var connection = await RawHttpConnection.OpenAsync(gateway.BaseAddress);
        using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(20));

        await connection.SendAsync("POST /api/chat HTTP/1.1\r\nHost: gateway\r\nAuthorization: Bearer " + TestAuth.AdminKey + "\r\nContent-Type: application/json\r\nContent-Length: 10000\r\n\r\n");
        var watch = Stopwatch.StartNew();
        var writer = connection.TrickleAsync(RawHttpConnection.Latin1("""{"model":"llama3:latest","messages":[{"role":"user","content":"slow"}]}"""), TimeSpan.FromSeconds(1), stop.Token);
        RawHttpResponse? response;
        try
        {
            response = await connection.ReadResponseAsync(s_deadline + TimeSpan.FromSeconds(3));
        }
        finally
        {
            await stop.CancelAsync();
            await writer.WaitAsync(TimeSpan.FromSeconds(5));
        }

        var elapsed = watch.Elapsed;
        Assert.True(response is null || response.Status == 408, $"expected 408 or a closed connection, got {response} after {elapsed.TotalSeconds:F1} s");
        Assert.True(elapsed >= s_grace - TimeSpan.FromSeconds(1), $"cut off after {elapsed.TotalSeconds:F1} s, before the {s_grace.TotalSeconds} s grace period");
        Assert.True(elapsed <= s_deadline, $"answered after {elapsed.TotalSeconds:F1} s, later than {s_deadline.TotalSeconds} s");
        if (response is { Body.Length: > 0 })
        {
            ErrorBodies.AssertOllama(response.Body);
        }

        Assert.True(await connection.WaitClosedAsync(TimeSpan.FromSeconds(5)), "connection still open 5 s after the timeout");
        await HardeningChecks.AssertLiveAsync(gateway);
        ErrorBodies.AssertNoGeneration(fake);
    }
}
