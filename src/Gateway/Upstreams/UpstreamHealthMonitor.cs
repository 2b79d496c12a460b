using Microsoft.Extensions.Options;
using SutazAi.Gateway.Hosting;

namespace SutazAi.Gateway.Upstreams;

/// <summary>Polls every server on an interval so routing and /health answer from cached state.</summary>
internal sealed class UpstreamHealthMonitor(UpstreamPool pool, IOptions<OllamaOptions> options, TimeProvider time) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(options.Value.HealthInterval, time);
        do
        {
            await Task.WhenAll(pool.Servers.Select(s => pool.ProbeAsync(s, stoppingToken))).ConfigureAwait(false);
        }
        while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false));
    }
}
