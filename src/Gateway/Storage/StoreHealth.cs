using Microsoft.Extensions.Options;
using SutazAi.Gateway.Hosting;

namespace SutazAi.Gateway.Storage;

/// <summary>The store's last known state, refreshed in the background so /health never waits on the database.</summary>
internal sealed class StoreHealth(Database database)
{
    public StoreProvider Provider => database.Provider;

    public bool Healthy { get; private set; } = true;

    /// <summary>True once the migrations ran: the schema is there (readiness needs it).</summary>
    public bool Migrated { get; private set; }

    public void MarkMigrated() => Migrated = true;

    public double? LatencyMs { get; private set; }

    public DateTimeOffset? LastChecked { get; private set; }

    public async Task CheckAsync(TimeProvider time, TimeSpan timeout, CancellationToken cancellationToken)
    {
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        cts.CancelAfter(timeout);
        var started = time.GetTimestamp();
        try
        {
            await using var connection = await database.OpenAsync(cts.Token).ConfigureAwait(false);
            await using var command = connection.CreateCommand();
            command.CommandText = "SELECT 1";
            await command.ExecuteScalarAsync(cts.Token).ConfigureAwait(false);
            LatencyMs = Math.Round(time.GetElapsedTime(started).TotalMilliseconds, 3);
            Healthy = true;
        }
        catch (Exception e) when (e is System.Data.Common.DbException or OperationCanceledException or InvalidOperationException or TimeoutException
            && !cancellationToken.IsCancellationRequested)
        {
            Healthy = false;
            LatencyMs = null;
        }

        LastChecked = time.GetUtcNow();
    }
}

/// <summary>Pings the store on the Ollama health interval.</summary>
internal sealed class StoreHealthMonitor(StoreHealth health, IOptions<OllamaOptions> options, TimeProvider time) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(options.Value.HealthInterval, time);
        do
        {
            await health.CheckAsync(time, options.Value.HealthTimeout, stoppingToken).ConfigureAwait(false);
        }
        while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false));
    }
}
