using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace SutazAi.Gateway.Tests.Infrastructure;

/// <summary>
/// A throwaway redis-server on a free loopback port (no persistence), started for the collection and stoppable
/// by outage tests. Redis missing is a failure, not a skip (scripts/test.sh installs it).
/// </summary>
public sealed class RedisServer : IAsyncLifetime
{
    private Process? _process;

    public int Port { get; } = FreePort();

    public string Configuration => $"127.0.0.1:{Port}";

    public Task InitializeAsync() => StartAsync();

    public async Task StartAsync()
    {
        var start = new ProcessStartInfo("redis-server", $"--port {Port} --bind 127.0.0.1 --save \"\" --appendonly no")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        _process = Process.Start(start) ?? throw new InvalidOperationException("redis-server did not start; run scripts/test.sh (it installs it).");
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
        for (var attempt = 0; ; attempt++)
        {
            try
            {
                using var client = new TcpClient();
                await client.ConnectAsync(IPAddress.Loopback, Port);
                return;
            }
            catch (SocketException) when (attempt < 200)
            {
                await Task.Delay(25);
            }
        }
    }

    /// <summary>An outage: the server is killed (as with shutdown nosave).</summary>
    public async Task StopAsync()
    {
        if (_process is { HasExited: false } process)
        {
            process.Kill();
            await process.WaitForExitAsync();
        }
    }

    /// <summary>FLUSHALL: every key is gone at once, the response cache's entries and its counters with them.</summary>
    public async Task FlushAllAsync()
    {
        using var cli = Process.Start(new ProcessStartInfo("redis-cli", $"-h 127.0.0.1 -p {Port} FLUSHALL") { RedirectStandardOutput = true })!;
        Assert.Equal("OK", (await cli.StandardOutput.ReadToEndAsync()).Trim());
        await cli.WaitForExitAsync();
    }

    /// <summary>A hung server (SIGSTOP): connections stay open, nothing answers. <see cref="ResumeAsync"/> ends it.</summary>
    public Task PauseAsync() => SignalAsync("STOP");

    public Task ResumeAsync() => SignalAsync("CONT");

    public async Task DisposeAsync()
    {
        await StopAsync();
        _process?.Dispose();
    }

    private async Task SignalAsync(string signal)
    {
        using var kill = Process.Start("kill", $"-{signal} {_process!.Id}");
        await kill.WaitForExitAsync();
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}

[CollectionDefinition(Name)]
public sealed class RedisTests : ICollectionFixture<RedisServer>
{
    public const string Name = "redis";
}
