using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.Options;

namespace SutazAi.Gateway.Hosting;

/// <summary>The durable task queue's workers (section <c>Tasks</c>).</summary>
internal sealed class TaskQueueOptions
{
    public const string Section = "Tasks";

    /// <summary>In-process workers of this replica; 0 makes it an API-only replica.</summary>
    [Range(0, 256)]
    public int Workers { get; set; } = 4;

    [Range(1, 100)]
    public int MaxAttempts { get; set; } = 3;

    /// <summary>How long a claim lasts without a heartbeat; a crashed worker's tasks are re-run after it.</summary>
    [Range(typeof(TimeSpan), "00:00:00.200", "01:00:00")]
    public TimeSpan LeaseDuration { get; set; } = TimeSpan.FromSeconds(30);

    [Range(typeof(TimeSpan), "00:00:00.050", "00:30:00")]
    public TimeSpan HeartbeatInterval { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>How often an idle worker looks for due tasks (a local enqueue, and on PostgreSQL any replica's, wakes it at once).</summary>
    [Range(typeof(TimeSpan), "00:00:00.010", "00:01:00")]
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromSeconds(1);

    [Range(typeof(TimeSpan), "00:00:00.050", "00:10:00")]
    public TimeSpan RescueInterval { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>First retry delay; doubled per attempt (with ±20 % jitter), capped at <see cref="MaxRetryDelay"/>.</summary>
    [Range(typeof(TimeSpan), "00:00:00", "01:00:00")]
    public TimeSpan RetryBaseDelay { get; set; } = TimeSpan.FromSeconds(2);

    [Range(typeof(TimeSpan), "00:00:00", "1.00:00:00")]
    public TimeSpan MaxRetryDelay { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>On shutdown, running tasks may finish for this long; then they are released back to the queue.</summary>
    [Range(typeof(TimeSpan), "00:00:00", "00:10:00")]
    public TimeSpan ShutdownGrace { get; set; } = TimeSpan.FromSeconds(20);

    /// <summary>How often an SSE subscriber of a task's events checks for new ones.</summary>
    [Range(typeof(TimeSpan), "00:00:00.010", "00:00:10")]
    public TimeSpan EventPollInterval { get; set; } = TimeSpan.FromMilliseconds(250);

    /// <summary>Per-task time used for estimated_completion until real durations are tracked.</summary>
    [Range(typeof(TimeSpan), "00:00:00.001", "01:00:00")]
    public TimeSpan EstimatedTaskDuration { get; set; } = TimeSpan.FromSeconds(5);
}

[OptionsValidator]
internal sealed partial class TaskQueueOptionsValidator : IValidateOptions<TaskQueueOptions>;
