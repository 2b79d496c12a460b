using System.Data.Common;
using System.Text.Json;
using System.Threading.Channels;
using Microsoft.Extensions.Options;
using SutazAi.Gateway.Errors;
using SutazAi.Gateway.Hosting;
using SutazAi.Gateway.Storage.Tasks;

namespace SutazAi.Gateway.Tasks;

/// <summary>
/// This replica's workers: claim a due task, run its handler while a heartbeat keeps the lease (and notices a
/// cancellation request or a lost lease), then complete, retry with backoff, or fail it — always with the fence
/// of the claim, so a worker that lost its lease cannot overwrite the new owner's result. A rescuer re-queues
/// tasks whose worker died. On shutdown no new task is claimed; running ones get a grace period, then are released.
/// </summary>
internal sealed partial class TaskWorkerService(ITaskStore store, IEnumerable<ITaskHandler> handlers, TaskSignal signal,
    IOptions<TaskQueueOptions> options, TimeProvider time, ILogger<TaskWorkerService> logger) : BackgroundService
{
    private readonly Dictionary<string, ITaskHandler> _handlers = handlers.ToDictionary(h => h.TaskType, StringComparer.Ordinal);
    private readonly TaskQueueOptions _options = options.Value;
    private readonly string _replica = $"{Environment.MachineName}:{Environment.ProcessId}:{Guid.NewGuid().ToString("N")[..6]}";

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (_options.Workers == 0)
        {
            return;
        }

        // Running tasks keep going for the grace period after shutdown starts, then are cancelled and released.
        using var grace = new CancellationTokenSource();
        using var startGrace = stoppingToken.Register(() => grace.CancelAfter(_options.ShutdownGrace));
        using var idle = new SemaphoreSlim(_options.Workers, _options.Workers);
        var channel = Channel.CreateBounded<TaskRecord>(new BoundedChannelOptions(_options.Workers) { SingleWriter = true });
        var loops = Enumerable.Range(0, _options.Workers).Select(_ => WorkAsync(channel.Reader, idle, grace.Token)).ToList();
        loops.Add(RescueLoopAsync(stoppingToken));
        await ClaimLoopAsync(channel.Writer, idle, stoppingToken).ConfigureAwait(false);
        await Task.WhenAll(loops).ConfigureAwait(false);
    }

    /// <summary>
    /// One claimer per replica: it claims as many due tasks as there are idle workers, in one transaction, and hands
    /// them over. Claiming only for idle workers means no claimed task waits in memory while its lease runs.
    /// </summary>
    private async Task ClaimLoopAsync(ChannelWriter<TaskRecord> tasks, SemaphoreSlim idle, CancellationToken stopping)
    {
        try
        {
            while (!stopping.IsCancellationRequested)
            {
                await idle.WaitAsync(stopping).ConfigureAwait(false);
                var free = 1;
                while (free < _options.Workers && idle.Wait(0, CancellationToken.None))
                {
                    free++;
                }

                IReadOnlyList<TaskRecord> claimed;
                try
                {
                    claimed = await store.ClaimAsync(_replica, free, _options.LeaseDuration, stopping).ConfigureAwait(false);
                }
#pragma warning disable CA1031 // The claimer must outlive a store outage or a driver fault; it backs off and tries again.
                catch (Exception e) when (e is not OperationCanceledException)
#pragma warning restore CA1031
                {
                    idle.Release(free);
                    LogStoreUnavailable(logger, e.GetType().Name);
                    await signal.WaitAsync(_options.PollInterval * 5, time, stopping).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
                    continue;
                }

                if (claimed.Count < free)
                {
                    idle.Release(free - claimed.Count);
                }

                foreach (var task in claimed)
                {
                    // Never blocks: the channel holds as many tasks as there are workers, and each claimed task has one.
                    await tasks.WriteAsync(task, CancellationToken.None).ConfigureAwait(false);
                }

                if (claimed.Count == 0)
                {
                    await signal.WaitAsync(_options.PollInterval, time, stopping).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
                }
            }
        }
        catch (OperationCanceledException) when (stopping.IsCancellationRequested)
        {
            LogClaimerStopped(logger);
        }
        finally
        {
            tasks.Complete();
        }
    }

    private async Task WorkAsync(ChannelReader<TaskRecord> tasks, SemaphoreSlim idle, CancellationToken grace)
    {
        await foreach (var task in tasks.ReadAllAsync(CancellationToken.None).ConfigureAwait(false))
        {
            try
            {
                await RunAsync(task, grace).ConfigureAwait(false);
            }
            catch (DbException e)
            {
                // The outcome could not be recorded. The lease runs out and the rescuer re-queues the task
                // (at-least-once), so nothing is lost; the worker itself carries on.
                LogOutcomeNotRecorded(logger, task.Id, e.GetType().Name);
            }
#pragma warning disable CA1031 // Boundary of one worker: whatever one task does, the worker must survive for the next.
            catch (Exception e) when (e is not OperationCanceledException)
#pragma warning restore CA1031
            {
                LogHandlerCrashed(logger, e, task.Id, task.TaskType);
            }
            finally
            {
                idle.Release();
            }
        }
    }

    private async Task RunAsync(TaskRecord task, CancellationToken grace)
    {
        using var run = CancellationTokenSource.CreateLinkedTokenSource(grace);
        var stop = StopReason.None;
        string? result = null;
        using var heartbeat = new CancellationTokenSource();
        var beating = HeartbeatLoopAsync(task, reason =>
        {
            stop = reason;
            run.Cancel();
        }, heartbeat.Token);

        try
        {
            if (!_handlers.TryGetValue(task.TaskType, out var handler))
            {
                await store.FailAsync(task.Id, task.Fence, $"no handler for task type {task.TaskType}", TimeSpan.Zero, retryable: false, CancellationToken.None).ConfigureAwait(false);
                return;
            }

            using var payload = JsonDocument.Parse(task.Payload);
            var execution = new TaskExecution(task.Id, task.Attempts, payload.RootElement,
                (type, data) => store.AddEventAsync(task.Id, task.Fence, type, data, CancellationToken.None));
            result = await handler.RunAsync(execution, run.Token).ConfigureAwait(false);
            await heartbeat.CancelAsync().ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (run.IsCancellationRequested)
        {
            await heartbeat.CancelAsync().ConfigureAwait(false);
            switch (stop)
            {
                case StopReason.CancelRequested:
                    await store.AcknowledgeCancelAsync(task.Id, task.Fence, CancellationToken.None).ConfigureAwait(false);
                    break;
                case StopReason.LeaseLost:
                    // Another worker owns the task now; nothing of this attempt may be written.
                    break;
                default:
                    await store.ReleaseAsync(task.Id, task.Fence, CancellationToken.None).ConfigureAwait(false);
                    LogReleased(logger, task.Id);
                    break;
            }
        }
        catch (GatewayException error)
        {
            await heartbeat.CancelAsync().ConfigureAwait(false);
            // Upstream faults may pass (retry with backoff); a request the upstream rejects fails the same way again.
            var retryable = error.IsUpstreamFault || error.Kind is ErrorKind.CircuitOpen or ErrorKind.UpstreamRateLimited;
            await store.FailAsync(task.Id, task.Fence, error.Message, RetryDelay(task.Attempts), retryable, CancellationToken.None).ConfigureAwait(false);
        }
#pragma warning disable CA1031 // Boundary of one task: a handler bug fails (and retries) that task, never the worker loop.
        catch (Exception e) when (e is not (OperationCanceledException or DbException))
#pragma warning restore CA1031
        {
            // Store failures are not handler failures: they leave the lease to expire (WorkAsync logs them), so a
            // result that could not be recorded is never turned into a failed attempt.
            await heartbeat.CancelAsync().ConfigureAwait(false);
            LogHandlerCrashed(logger, e, task.Id, task.TaskType);
            await store.FailAsync(task.Id, task.Fence, "the task handler failed", RetryDelay(task.Attempts), retryable: true, CancellationToken.None).ConfigureAwait(false);
        }
        finally
        {
            // Whatever ended the attempt, the lease is no longer renewed from here.
            await heartbeat.CancelAsync().ConfigureAwait(false);
            await beating.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }

        // Outside the handler's error handling: a result that could not be recorded is not a failed attempt. The
        // exception goes to WorkAsync, the lease runs out and the task runs again (at least once).
        if (result is not null && await store.CompleteAsync(task.Id, task.Fence, result, CancellationToken.None).ConfigureAwait(false) == FinishOutcome.Stale)
        {
            LogStaleCompletion(logger, task.Id);
        }
    }

    private async Task HeartbeatLoopAsync(TaskRecord task, Action<StopReason> stop, CancellationToken cancellationToken)
    {
        using var timer = new PeriodicTimer(_options.HeartbeatInterval, time);
        while (await timer.WaitForNextTickAsync(cancellationToken).ConfigureAwait(false))
        {
            HeartbeatResult result;
            try
            {
                result = await store.HeartbeatAsync(task.Id, task.Fence, _options.LeaseDuration, cancellationToken).ConfigureAwait(false);
            }
            catch (DbException e)
            {
                // The store is away: keep working; if the lease runs out meanwhile, the fence rejects this attempt.
                LogStoreUnavailable(logger, e.GetType().Name);
                continue;
            }

            if (result != HeartbeatResult.Extended)
            {
                stop(result == HeartbeatResult.CancelRequested ? StopReason.CancelRequested : StopReason.LeaseLost);
                return;
            }
        }
    }

    private async Task RescueLoopAsync(CancellationToken stopping)
    {
        using var timer = new PeriodicTimer(_options.RescueInterval, time);
        try
        {
            while (await timer.WaitForNextTickAsync(stopping).ConfigureAwait(false))
            {
                try
                {
                    if (await store.RescueExpiredAsync(stopping).ConfigureAwait(false) is > 0 and var count)
                    {
                        LogRescued(logger, count);
                        signal.Notify();
                    }
                }
#pragma warning disable CA1031 // The rescuer must outlive a store outage or a driver fault; it tries again next tick.
                catch (Exception e) when (e is not OperationCanceledException)
#pragma warning restore CA1031
                {
                    LogStoreUnavailable(logger, e.GetType().Name);
                }
            }
        }
        catch (OperationCanceledException) when (stopping.IsCancellationRequested)
        {
            LogRescuerStopped(logger);
        }
    }

    /// <summary>Exponential backoff with ±20 % jitter so retries of many tasks do not arrive together.</summary>
    private TimeSpan RetryDelay(int attempt)
    {
        var delay = _options.RetryBaseDelay * Math.Pow(2, Math.Max(0, attempt - 1));
        var capped = delay > _options.MaxRetryDelay ? _options.MaxRetryDelay : delay;
        return capped * (0.8 + (Random.Shared.NextDouble() * 0.4));
    }

    private enum StopReason
    {
        None,
        CancelRequested,
        LeaseLost,
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Task store unavailable ({Error}); workers back off")]
    private static partial void LogStoreUnavailable(ILogger logger, string error);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Outcome of task {TaskId} not recorded ({Error}); it runs again when its lease expires")]
    private static partial void LogOutcomeNotRecorded(ILogger logger, string taskId, string error);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Task {TaskId} finished after its lease was lost; the result was discarded")]
    private static partial void LogStaleCompletion(ILogger logger, string taskId);

    [LoggerMessage(Level = LogLevel.Information, Message = "Task {TaskId} released on shutdown")]
    private static partial void LogReleased(ILogger logger, string taskId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Re-queued {Count} task(s) whose worker stopped renewing its lease")]
    private static partial void LogRescued(ILogger logger, int count);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Task claimer stopped")]
    private static partial void LogClaimerStopped(ILogger logger);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Lease rescuer stopped")]
    private static partial void LogRescuerStopped(ILogger logger);

    [LoggerMessage(Level = LogLevel.Error, Message = "Handler of task {TaskId} ({TaskType}) failed")]
    private static partial void LogHandlerCrashed(ILogger logger, Exception exception, string taskId, string taskType);
}
