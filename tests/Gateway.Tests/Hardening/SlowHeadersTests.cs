using System.Diagnostics;
using System.Globalization;
using System.Net;
using SutazAi.Gateway.Tests.BadInput;
using SutazAi.Gateway.Tests.Infrastructure;
using SutazAi.TestKit;
using Xunit.Abstractions;

namespace SutazAi.Gateway.Tests.Hardening;

/// <summary>
/// CL-04 slowloris: connections that trickle a request head one byte every 300 ms are closed by
/// Limits:RequestHeadersTimeout (1 s here, Kestrel's heartbeat adds up to 1 s), while a normal client's
/// /health/live stays fast during the attack and the process's socket count returns to baseline afterwards.
/// </summary>
[Collection(TimingSensitive.Name)]
public sealed class SlowHeadersTests(ITestOutputHelper output)
{
    private const int Attackers = 20;
    private const int Probes = 20;
    private static readonly TimeSpan s_closeWithin = TimeSpan.FromSeconds(5);
    private static readonly TimeSpan s_probeP99 = TimeSpan.FromMilliseconds(500);

    [Fact]
    public async Task SlowHeaders_TwentyConnections_ClosedByHeadersTimeoutWhileHealthStaysFast()
    {
        await using var fake = await FakeOllama.StartAsync(RouteBodies.Model);
        await using var gateway = new GatewayFactory([fake.BaseUri], new Dictionary<string, string?> { ["Limits:RequestHeadersTimeout"] = "00:00:01" });
        var probe = gateway.Client(TimeSpan.FromSeconds(5));
        Assert.Equal(HttpStatusCode.OK, (await probe.GetAsync("/health/live")).StatusCode);
        var baselineSockets = OpenSockets();

        var connections = await Task.WhenAll(Enumerable.Range(0, Attackers).Select(_ => RawHttpConnection.OpenAsync(gateway.BaseAddress)));
        var closed = 0;
        try
        {
            var attacks = connections.Select(async connection =>
            {
                var result = await TrickleHeadAsync(connection);
                Interlocked.Increment(ref closed);
                return result;
            }).ToList();

            var closedAtFirstProbe = Volatile.Read(ref closed);
            var latencies = new List<TimeSpan>(Probes);
            for (var i = 0; i < Probes; i++)
            {
                var watch = Stopwatch.StartNew();
                var response = await probe.GetAsync("/health/live");
                latencies.Add(watch.Elapsed);
                Assert.Equal(HttpStatusCode.OK, response.StatusCode);
                await Task.Delay(40);
            }

            var closedAfterProbes = Volatile.Read(ref closed);
            var results = await Task.WhenAll(attacks).WaitAsync(TimeSpan.FromSeconds(15));

            output.WriteLine($"closes after {string.Join(", ", results.Select(r => r.Elapsed.TotalSeconds.ToString("F1", CultureInfo.InvariantCulture)))} s; "
                + $"probes {string.Join(", ", latencies.Select(l => l.TotalMilliseconds.ToString("F0", CultureInfo.InvariantCulture)))} ms; {closedAfterProbes} attackers closed by the last probe");
            var slow = results.Where(r => !r.Closed || r.Elapsed > s_closeWithin).ToList();
            Assert.True(slow.Count == 0, $"{slow.Count} of {Attackers} slow connections not closed within {s_closeWithin}: "
                + string.Join(", ", slow.Select(r => r.Closed ? $"closed after {r.Elapsed.TotalSeconds:F1} s" : "still open")));
            Assert.True(closedAtFirstProbe == 0, $"{closedAtFirstProbe} attackers were already gone when probing began; the probes did not measure the attack");
            var p99 = latencies.Order().ElementAt((int)Math.Ceiling(0.99 * latencies.Count) - 1);
            Assert.True(p99 < s_probeP99, $"/health/live p99 {p99.TotalMilliseconds:F0} ms during the attack (all: {string.Join(", ", latencies.Select(l => l.TotalMilliseconds.ToString("F0", CultureInfo.InvariantCulture)))}); {closedAfterProbes} attackers closed by the last probe");
        }
        finally
        {
            foreach (var connection in connections)
            {
                await connection.DisposeAsync();
            }
        }

        await HardeningChecks.AssertLiveAsync(gateway);
        ErrorBodies.AssertNoGeneration(fake);
        await AssertSocketsBackNearAsync(baselineSockets);
    }

    /// <summary>
    /// Sends a request line and Host, then one byte of a never-ending header every 300 ms until the server closes the
    /// connection (or 10 s pass). Returns whether it was closed and how long after the first byte.
    /// </summary>
    private static async Task<(bool Closed, TimeSpan Elapsed)> TrickleHeadAsync(RawHttpConnection connection)
    {
        var watch = Stopwatch.StartNew();
        await connection.SendAsync("POST /api/chat HTTP/1.1\r\nHost: x\r\n");
        using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        var writer = connection.TrickleAsync(RawHttpConnection.Latin1("X-Slow: " + new string('a', 64)), TimeSpan.FromMilliseconds(300), stop.Token);
        var closed = await connection.WaitClosedAsync(TimeSpan.FromSeconds(10));
        var elapsed = watch.Elapsed;
        await stop.CancelAsync();
        await writer.WaitAsync(TimeSpan.FromSeconds(5));
        return (closed, elapsed);
    }

    /// <summary>The process's open sockets (descriptor → socket:[inode]); assemblies loaded lazily meanwhile are not counted.</summary>
    private static Dictionary<string, string> OpenSockets()
    {
        var sockets = new Dictionary<string, string>(StringComparer.Ordinal);
        if (!OperatingSystem.IsLinux())
        {
            return sockets;
        }

        foreach (var path in Directory.GetFiles("/proc/self/fd"))
        {
            try
            {
                if (new FileInfo(path).LinkTarget is { } target && target.StartsWith("socket:", StringComparison.Ordinal))
                {
                    sockets[Path.GetFileName(path)] = target;
                }
            }
            catch (IOException)
            {
                // Closed between the listing and the read: it is not open any more.
            }
        }

        return sockets;
    }

    /// <summary>Both ends of every attack connection are released: the socket count settles back near the baseline.</summary>
    private static async Task AssertSocketsBackNearAsync(Dictionary<string, string> baseline)
    {
        if (!OperatingSystem.IsLinux())
        {
            return;
        }

        var watch = Stopwatch.StartNew();
        Dictionary<string, string> now;
        while ((now = OpenSockets()).Count > baseline.Count + 5 && watch.Elapsed < TimeSpan.FromSeconds(5))
        {
            await Task.Delay(100);
        }

        Assert.True(now.Count <= baseline.Count + 5, $"{now.Count} sockets open, baseline {baseline.Count}: the attack's connections were not all released");
    }
}
