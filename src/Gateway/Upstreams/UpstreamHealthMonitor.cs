using Microsoft.Extensions.Options;
using SutazAi.Gateway.Hosting;

namespace SutazAi.Gateway.Upstreams;

/// <summary>Polls every server on an interval so routing and /health answer from cached state.</summary>
internal sealed partial class UpstreamHealthMonitor(UpstreamPool pool, IOptions<OllamaOptions> options, TimeProvider time, ILogger<UpstreamHealthMonitor> logger)
    : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(options.Value.HealthInterval, time);
        do
        {
            await Task.WhenAll(pool.Servers.Select(s => ProbeAsync(s, stoppingToken))).ConfigureAwait(false);
        }
        while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false));
    }

    private async Task ProbeAsync(OllamaServer server, CancellationToken stoppingToken)
    {
        try
        {
            await pool.ProbeAsync(server, stoppingToken).ConfigureAwait(false);
        }
#pragma warning disable CA1031 // Boundary of the polling loop: one server's bad data must not stop polling (or the host).
        catch (Exception e) when (e is not OperationCanceledException || !stoppingToken.IsCancellationRequested)
#pragma warning restore CA1031
        {
            server.Healthy = false;
            LogProbeCrashed(logger, e, server.Name);
        }
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "Health probe of upstream {Server} failed unexpectedly")]
    private static partial void LogProbeCrashed(ILogger logger, Exception exception, string server);
}
