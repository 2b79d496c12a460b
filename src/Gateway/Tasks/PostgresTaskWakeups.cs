using Microsoft.Extensions.Options;
using Npgsql;
using SutazAi.Gateway.Hosting;
using SutazAi.Gateway.Storage;

namespace SutazAi.Gateway.Tasks;

/// <summary>
/// Replicas on one PostgreSQL wake each other: a statement that makes tasks due (enqueue, release, rescue) also runs
/// pg_notify on <see cref="Channel"/>, delivered at commit, and every replica with workers LISTENs on it and wakes its
/// claimer at once, so a task enqueued on one replica starts on another without waiting for the poll interval. The
/// poll stays as the safety net: a notification lost while this connection was down costs at most one interval.
/// </summary>
internal sealed partial class PostgresTaskWakeups(Database database, TaskSignal signal, IOptions<TaskQueueOptions> options, TimeProvider time,
    ILogger<PostgresTaskWakeups> logger) : BackgroundService
{
    public const string Channel = "sutazai_tasks";
    private static readonly TimeSpan MaxRetry = TimeSpan.FromSeconds(30);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (database is not PostgresDatabase postgres || options.Value.Workers == 0)
        {
            return;
        }

        var retry = TimeSpan.FromMilliseconds(200);
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await using var connection = postgres.CreateListenerConnection();
                connection.Notification += (_, _) => signal.Notify();
                await connection.OpenAsync(stoppingToken).ConfigureAwait(false);
                await using (var listen = new NpgsqlCommand($"LISTEN {Channel}", connection))
                {
                    await listen.ExecuteNonQueryAsync(stoppingToken).ConfigureAwait(false);
                }

                // Tasks made due while nobody listened are found by this wake-up.
                signal.Notify();
                retry = TimeSpan.FromMilliseconds(200);
                while (true)
                {
                    await connection.WaitAsync(stoppingToken).ConfigureAwait(false);
                }
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
#pragma warning disable CA1031 // The listener must outlive any database or driver fault; the poll covers the gap.
            catch (Exception e)
#pragma warning restore CA1031
            {
                LogListenFailed(logger, e.GetType().Name, retry.TotalSeconds);
            }

            await Task.Delay(retry, time, stoppingToken).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            retry = retry * 2 > MaxRetry ? MaxRetry : retry * 2;
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Not listening for task wake-ups ({Error}); workers poll meanwhile; retrying in {Seconds} s")]
    private static partial void LogListenFailed(ILogger logger, string error, double seconds);
}
