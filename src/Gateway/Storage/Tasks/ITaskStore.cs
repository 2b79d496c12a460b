namespace SutazAi.Gateway.Storage.Tasks;

/// <summary>
/// The durable task queue: at-least-once delivery with expiring leases, fencing tokens and bounded retries.
/// Two implementations with the same behaviour (PostgreSQL, SQLite), checked by one contract test suite.
/// </summary>
internal interface ITaskStore
{
    /// <summary>Inserts the task and its "queued" event atomically; a repeated idempotency key returns the first task.</summary>
    Task<EnqueueResult> EnqueueAsync(NewTask task, CancellationToken cancellationToken);

    Task<TaskRecord?> GetAsync(string id, CancellationToken cancellationToken);

    Task<TaskPage> ListAsync(string? status, string? taskType, int page, int perPage, CancellationToken cancellationToken);

    /// <summary>Claims up to <paramref name="max"/> due tasks, highest priority first, without blocking on tasks others hold.</summary>
    Task<IReadOnlyList<TaskRecord>> ClaimAsync(string worker, int max, TimeSpan lease, CancellationToken cancellationToken);

    /// <summary>Extends the lease and reports a pending cancellation, or that the fence is stale (no longer this worker's).</summary>
    Task<HeartbeatResult> HeartbeatAsync(string id, long fence, TimeSpan lease, CancellationToken cancellationToken);

    Task<FinishOutcome> CompleteAsync(string id, long fence, string result, CancellationToken cancellationToken);

    /// <summary>
    /// A failed attempt: queued again after <paramref name="retryDelay"/>, or failed for good when attempts are used up
    /// or the error is not <paramref name="retryable"/> (a bad request fails the same way every time).
    /// </summary>
    Task<FinishOutcome> FailAsync(string id, long fence, string error, TimeSpan retryDelay, bool retryable, CancellationToken cancellationToken);

    /// <summary>Graceful shutdown: the task goes back to the queue at once and the attempt is not counted.</summary>
    Task<FinishOutcome> ReleaseAsync(string id, long fence, CancellationToken cancellationToken);

    /// <summary>A running task whose cancellation was requested acknowledges it.</summary>
    Task<FinishOutcome> AcknowledgeCancelAsync(string id, long fence, CancellationToken cancellationToken);

    /// <summary>Queued → cancelled at once; running → cancellation requested (the worker sees it at its next heartbeat).</summary>
    Task<CancelOutcome> CancelAsync(string id, CancellationToken cancellationToken);

    /// <summary>Running tasks whose lease expired go back to the queue (or fail when attempts are used up).</summary>
    Task<int> RescueExpiredAsync(CancellationToken cancellationToken);

    Task AddEventAsync(string id, long fence, string eventType, string? data, CancellationToken cancellationToken);

    Task<IReadOnlyList<TaskEventRecord>> EventsAsync(string id, int afterSeq, CancellationToken cancellationToken);
}
