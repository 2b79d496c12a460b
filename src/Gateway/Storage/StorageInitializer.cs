using System.Data.Common;
using System.Net.Sockets;

namespace SutazAi.Gateway.Storage;

/// <summary>
/// Applies pending migrations. When the database answers at start this happens before the host serves anything;
/// when it does not, the host starts anyway (no crash loop) and keeps retrying in the background: /health/ready
/// answers 503 until it has succeeded, store-backed routes answer 503 and workers back off meanwhile.
/// </summary>
internal sealed partial class StorageInitializer(MigrationRunner migrations, StoreHealth health, TimeProvider time, ILogger<StorageInitializer> logger)
    : BackgroundService
{
    private static readonly TimeSpan FirstRetry = TimeSpan.FromMilliseconds(200);
    private static readonly TimeSpan MaxRetry = TimeSpan.FromSeconds(30);

    private static readonly TimeSpan FirstAttemptTimeout = TimeSpan.FromSeconds(5);

    public override async Task StartAsync(CancellationToken cancellationToken)
    {
        using var attempt = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        attempt.CancelAfter(FirstAttemptTimeout);
        try
        {
            await migrations.ApplyAsync(attempt.Token).ConfigureAwait(false);
            health.MarkMigrated();
        }
        catch (Exception e) when (e is DbException or SocketException or TimeoutException or InvalidOperationException or OperationCanceledException
            && !cancellationToken.IsCancellationRequested)
        {
            LogNotReady(logger, e.GetType().Name, FirstRetry.TotalSeconds);
        }

        await base.StartAsync(cancellationToken).ConfigureAwait(false);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (health.Migrated)
        {
            return;
        }

        var delay = FirstRetry;
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await migrations.ApplyAsync(stoppingToken).ConfigureAwait(false);
                health.MarkMigrated();
                return;
            }
            catch (Exception e) when (e is DbException or SocketException or TimeoutException or InvalidOperationException && !stoppingToken.IsCancellationRequested)
            {
                LogNotReady(logger, e.GetType().Name, delay.TotalSeconds);
            }

            await Task.Delay(delay, time, stoppingToken).ConfigureAwait(false);
            delay = delay * 2 > MaxRetry ? MaxRetry : delay * 2;
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Database not ready for migrations ({Error}); retrying in {Seconds} s")]
    private static partial void LogNotReady(ILogger logger, string error, double seconds);
}
