namespace SutazAi.Gateway.Storage.Tasks;

/// <summary>Task states. Terminal: completed, failed (retries exhausted: the dead letter), cancelled.</summary>
internal static class TaskStatus
{
    public const string Queued = "queued";
    public const string Running = "running";
    public const string Completed = "completed";
    public const string Failed = "failed";
    public const string Cancelled = "cancelled";

    public static bool IsTerminal(string status) => status is Completed or Failed or Cancelled;
}

/// <summary>One row of the durable queue. <see cref="Fence"/> grows at every claim: only its holder may finish the task.</summary>
internal sealed record TaskRecord(
    string Id,
    string TaskType,
    string Payload,
    int Priority,
    string Status,
    int Attempts,
    int MaxAttempts,
    long Fence,
    DateTimeOffset RunAfter,
    string? LeaseOwner,
    DateTimeOffset? LeaseExpiresAt,
    bool CancelRequested,
    string? Result,
    string? LastError,
    DateTimeOffset CreatedAt,
    DateTimeOffset UpdatedAt,
    DateTimeOffset? CompletedAt);

/// <summary>What a client asks to enqueue.</summary>
internal sealed record NewTask(string TaskType, string Payload, int Priority, int MaxAttempts, string? IdempotencyKey);

/// <summary>One stored progress event of a task (queued, started, progress, completed, failed, cancelled, retrying).</summary>
internal sealed record TaskEventRecord(string TaskId, int Seq, string EventType, string? Data, DateTimeOffset CreatedAt);

internal enum EnqueueOutcome
{
    Created,
    Existing,
    KeyConflict,
}

internal sealed record EnqueueResult(EnqueueOutcome Outcome, TaskRecord? Task);

internal enum FinishOutcome
{
    Done,
    Retrying,
    DeadLettered,

    /// <summary>The caller's fence is no longer current (the lease expired and the task was claimed again).</summary>
    Stale,
}

internal enum HeartbeatResult
{
    Extended,
    CancelRequested,
    Stale,
}

internal enum CancelOutcome
{
    NotFound,
    Cancelled,
    Requested,
    AlreadyFinished,
}

internal sealed record TaskPage(IReadOnlyList<TaskRecord> Items, long Total);
