using SutazAi.Gateway.Storage.Tasks;

namespace SutazAi.Gateway.TestHost;

/// <summary>
/// CR-04: an enqueue whose payload has <c>"crash":"before_insert"</c> or <c>"crash":"after_insert"</c> kills the
/// process right before the task is stored, or after it is stored and before the answer is sent.
/// </summary>
internal sealed class CrashingTaskStore(ITaskStore inner) : ITaskStore
{
    public async Task<EnqueueResult> EnqueueAsync(NewTask task, CancellationToken cancellationToken)
    {
        if (task.Payload.Contains("\"crash\":\"before_insert\"", StringComparison.Ordinal))
        {
            FaultHost.KillNow();
        }

        var result = await inner.EnqueueAsync(task, cancellationToken).ConfigureAwait(false);
        if (result.Outcome == EnqueueOutcome.Created && task.Payload.Contains("\"crash\":\"after_insert\"", StringComparison.Ordinal))
        {
            FaultHost.KillNow();
        }

        return result;
    }

    public Task<TaskRecord?> GetAsync(string id, CancellationToken cancellationToken) => inner.GetAsync(id, cancellationToken);

    public Task<TaskPage> ListAsync(string? status, string? taskType, int page, int perPage, CancellationToken cancellationToken) =>
        inner.ListAsync(status, taskType, page, perPage, cancellationToken);

    public Task<IReadOnlyList<TaskRecord>> ClaimAsync(string worker, int max, TimeSpan lease, CancellationToken cancellationToken) =>
        inner.ClaimAsync(worker, max, lease, cancellationToken);

    public Task<HeartbeatResult> HeartbeatAsync(string id, long fence, TimeSpan lease, CancellationToken cancellationToken) =>
        inner.HeartbeatAsync(id, fence, lease, cancellationToken);

    public Task<FinishOutcome> CompleteAsync(string id, long fence, string result, CancellationToken cancellationToken) =>
        inner.CompleteAsync(id, fence, result, cancellationToken);

    public Task<FinishOutcome> FailAsync(string id, long fence, string error, TimeSpan retryDelay, bool retryable, CancellationToken cancellationToken) =>
        inner.FailAsync(id, fence, error, retryDelay, retryable, cancellationToken);

    public Task<FinishOutcome> ReleaseAsync(string id, long fence, CancellationToken cancellationToken) => inner.ReleaseAsync(id, fence, cancellationToken);

    public Task<FinishOutcome> AcknowledgeCancelAsync(string id, long fence, CancellationToken cancellationToken) =>
        inner.AcknowledgeCancelAsync(id, fence, cancellationToken);

    public Task<CancelOutcome> CancelAsync(string id, CancellationToken cancellationToken) => inner.CancelAsync(id, cancellationToken);

    public Task<int> RescueExpiredAsync(CancellationToken cancellationToken) => inner.RescueExpiredAsync(cancellationToken);

    public Task AddEventAsync(string id, long fence, string eventType, string? data, CancellationToken cancellationToken) =>
        inner.AddEventAsync(id, fence, eventType, data, cancellationToken);

    public Task<IReadOnlyList<TaskEventRecord>> EventsAsync(string id, int afterSeq, CancellationToken cancellationToken) =>
        inner.EventsAsync(id, afterSeq, cancellationToken);
}
