using System.Text.Json;

namespace SutazAi.Gateway.Tasks;

/// <summary>
/// Runs one task type. <see cref="Validate"/> runs at enqueue so a bad payload is a 400, not a failed task;
/// <see cref="RunAsync"/> runs one attempt and may run more than once (at-least-once delivery).
/// </summary>
internal interface ITaskHandler
{
    string TaskType { get; }

    /// <summary>Throws a 400 <see cref="Errors.GatewayException"/> naming the payload field at fault.</summary>
    void Validate(JsonElement payload);

    /// <summary>
    /// The payload as stored, after <see cref="Validate"/>: a handler whose task acts for someone records the caller
    /// here (server-owned fields are never taken from the client).
    /// </summary>
    string Bind(JsonElement payload, Auth.Caller caller) => payload.GetRawText();

    /// <summary>Task types that change the servers (pulling a model) are for admin keys only.</summary>
    bool AdminOnly => false;

    /// <summary>The result as JSON. A <see cref="Errors.GatewayException"/> that is not an upstream fault fails the task for good.</summary>
    Task<string> RunAsync(TaskExecution execution, CancellationToken cancellationToken);
}

/// <summary>What a handler gets for one attempt: the task, its payload, and a way to report progress events.</summary>
internal sealed record TaskExecution(string TaskId, int Attempt, JsonElement Payload, Func<string, string?, Task> ReportAsync)
{
    /// <summary>
    /// The idempotency key of one external side effect of this task: the task id and the step, never the attempt.
    /// Delivery is at least once (a worker can die after the effect and before its result is stored), so every
    /// external call that changes something sends this key and the receiver acts on it once (RELIABILITY.md CR-02).
    /// </summary>
    public string IdempotencyKey(string step) => $"{TaskId}:{step}";
}
