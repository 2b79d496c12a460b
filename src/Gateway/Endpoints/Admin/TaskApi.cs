using System.Globalization;
using System.Text.Json;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;
using SutazAi.Gateway.Errors;
using SutazAi.Gateway.Hosting;
using SutazAi.Gateway.Protocol.Sutaz;
using SutazAi.Gateway.Storage.Tasks;
using SutazAi.Gateway.Streaming;
using SutazAi.Gateway.Tasks;
using TaskStatus = SutazAi.Gateway.Storage.Tasks.TaskStatus;

namespace SutazAi.Gateway.Endpoints.Admin;

/// <summary>The durable task queue (seed spec §3.2, §11.2): enqueue, read, result, cancel, list, and an SSE event stream.</summary>
internal static class TaskApi
{
    private const int MaxPerPage = 100;
    private const int MaxIdempotencyKeyLength = 200;

    public static RouteGroupBuilder MapTaskApi(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/v1/tasks").WithTags("Tasks");
        group.MapPost("", CreateAsync).WithName("TaskCreate");
        group.MapGet("", ListAsync).WithName("TaskList");
        group.MapGet("/{id}", GetAsync).WithName("TaskGet");
        group.MapGet("/{id}/result", ResultAsync).WithName("TaskResult");
        group.MapDelete("/{id}", CancelAsync).WithName("TaskCancel");
        group.MapGet("/{id}/events", EventsAsync).WithName("TaskEvents");
        return group;
    }

    private static async Task<Results<Created<Envelope<TaskCreated>>, Ok<Envelope<TaskCreated>>>> CreateAsync(HttpContext context, ITaskStore store,
        IEnumerable<ITaskHandler> handlers, TaskSignal signal, QueueDepth depth, IOptions<TaskQueueOptions> options, TimeProvider time)
    {
        var request = await RequestBody.ReadAsync(context.Request, SutazJsonContext.Default.TaskCreateRequest).ConfigureAwait(false);
        var type = request.TaskType ?? throw GatewayException.Invalid("task_type is required", "task_type");
        var handler = handlers.FirstOrDefault(h => h.TaskType == type)
            ?? throw GatewayException.Invalid($"task_type must be one of {string.Join(", ", handlers.Select(h => h.TaskType).Order(StringComparer.Ordinal))}", "task_type");
        var payload = request.Payload is { ValueKind: JsonValueKind.Object } p ? p : throw GatewayException.Invalid("payload must be a JSON object", "payload");
        if (handler.AdminOnly && !context.User.IsInRole(Auth.Roles.Admin))
        {
            throw new GatewayException(ErrorKind.Forbidden, $"{type} tasks need an admin key", "task_type");
        }

        handler.Validate(payload);
        var key = IdempotencyKey(context.Request);

        var result = await store.EnqueueAsync(new NewTask(type, handler.Bind(payload, Auth.Caller.From(context)), Priority(request.Priority), options.Value.MaxAttempts, key),
            context.RequestAborted).ConfigureAwait(false);
        if (result.Outcome == EnqueueOutcome.KeyConflict)
        {
            throw new GatewayException(ErrorKind.Conflict, "this Idempotency-Key was used with a different request", "Idempotency-Key");
        }

        var task = result.Task!;
        var created = new TaskCreated
        {
            TaskId = task.Id,
            Status = task.Status,
            EstimatedCompletion = TaskStatus.IsTerminal(task.Status) ? task.CompletedAt : await EstimateAsync(depth, options.Value, time, context.RequestAborted).ConfigureAwait(false),
        };
        if (result.Outcome == EnqueueOutcome.Existing)
        {
            return TypedResults.Ok(Envelope.Success(context, created, time));
        }

        signal.Notify();
        return TypedResults.Created($"/api/v1/tasks/{task.Id}", Envelope.Success(context, created, time));
    }

    private static async Task<Ok<Envelope<TaskPageView>>> ListAsync(HttpContext context, ITaskStore store, TimeProvider time,
        string? status, string? task_type, int? page, int? per_page)
    {
        var (pageNumber, size) = Paging.Read(page, per_page, 20, MaxPerPage);

        if (status is not null && status is not (TaskStatus.Queued or TaskStatus.Running or TaskStatus.Completed or TaskStatus.Failed or TaskStatus.Cancelled))
        {
            throw GatewayException.Invalid("status must be queued, running, completed, failed or cancelled", "status");
        }

        var found = await store.ListAsync(status, task_type, pageNumber, size, context.RequestAborted).ConfigureAwait(false);
        var view = new TaskPageView
        {
            Items = [.. found.Items.Select(View)],
            Total = found.Total,
            Page = pageNumber,
            PerPage = size,
            HasNext = Paging.HasNext(pageNumber, size, found.Total),
            HasPrev = pageNumber > 1,
        };
        return TypedResults.Ok(Envelope.Success(context, view, time));
    }

    private static async Task<Ok<Envelope<TaskView>>> GetAsync(HttpContext context, string id, ITaskStore store, TimeProvider time) =>
        TypedResults.Ok(Envelope.Success(context, View(await FindAsync(store, id, context.RequestAborted).ConfigureAwait(false)), time));

    /// <summary>200 with the result once finished; 202 with result null while queued or running.</summary>
    private static async Task<Results<Ok<Envelope<TaskResultView>>, Accepted<Envelope<TaskResultView>>>> ResultAsync(HttpContext context, string id,
        ITaskStore store, TimeProvider time)
    {
        var task = await FindAsync(store, id, context.RequestAborted).ConfigureAwait(false);
        var view = new TaskResultView
        {
            TaskId = task.Id,
            Status = task.Status,
            Result = task.Result is null ? null : JsonDocument.Parse(task.Result).RootElement.Clone(),
            Error = task.Status == TaskStatus.Failed ? task.LastError : null,
        };
        return TaskStatus.IsTerminal(task.Status)
            ? TypedResults.Ok(Envelope.Success(context, view, time))
            : TypedResults.Accepted((string?)null, Envelope.Success(context, view, time));
    }

    /// <summary>Queued: cancelled at once (200). Running: cancellation requested, honoured at the worker's next heartbeat (202).</summary>
    private static async Task<Results<Ok<Envelope<TaskView>>, Accepted<Envelope<TaskView>>>> CancelAsync(HttpContext context, string id,
        ITaskStore store, TimeProvider time)
    {
        var outcome = await store.CancelAsync(id, context.RequestAborted).ConfigureAwait(false);
        var task = await FindAsync(store, id, context.RequestAborted).ConfigureAwait(false);
        return outcome switch
        {
            CancelOutcome.Cancelled => TypedResults.Ok(Envelope.Success(context, View(task), time)),
            CancelOutcome.Requested => TypedResults.Accepted((string?)null, Envelope.Success(context, View(task), time)),
            _ => throw new GatewayException(ErrorKind.Conflict, $"task is already {task.Status}"),
        };
    }

    /// <summary>SSE: the stored events first (or those after Last-Event-ID), then new ones as they are stored, until a terminal event.</summary>
    private static async Task<Results<EmptyHttpResult, NoContent>> EventsAsync(HttpContext context, string id, ITaskStore store, IOptions<TaskQueueOptions> options, TimeProvider time)
    {
        var ct = context.RequestAborted;
        await FindAsync(store, id, ct).ConfigureAwait(false);
        var after = TaskEventSse.LastEventId(context.Request);
        if (await TaskEventSse.NothingMoreAsync(store, id, after, ct).ConfigureAwait(false))
        {
            return TypedResults.NoContent();
        }

        await TaskEventSse.WriteAsync(context.Response, TaskEventFeed.FollowAsync(store, id, after, options.Value.EventPollInterval, time, ct),
            e => (e.Seq, e.Type), SutazJsonContext.Default.TaskEventView, time, ct).ConfigureAwait(false);
        return TypedResults.Empty;
    }

    private static async Task<TaskRecord> FindAsync(ITaskStore store, string id, CancellationToken cancellationToken) =>
        (id.Length == 32 && id.All(char.IsAsciiHexDigitLower) ? await store.GetAsync(id, cancellationToken).ConfigureAwait(false) : null)
        ?? throw new GatewayException(ErrorKind.TaskNotFound, "task not found");

    private static string? IdempotencyKey(HttpRequest request)
    {
        var key = request.Headers["Idempotency-Key"].ToString();
        if (key.Length == 0)
        {
            return null;
        }

        return key.Length <= MaxIdempotencyKeyLength && key.All(c => c is > ' ' and < (char)127)
            ? key
            : throw GatewayException.Invalid($"Idempotency-Key must be 1 to {MaxIdempotencyKeyLength} visible ASCII characters", "Idempotency-Key");
    }

    /// <summary>0–10, higher first; names map to 2 / 5 / 8 / 10. Absent: normal.</summary>
    private static int Priority(JsonElement? priority) => priority switch
    {
        null or { ValueKind: JsonValueKind.Null } => 5,
        { ValueKind: JsonValueKind.Number } n when n.TryGetInt32(out var value) && value is >= 0 and <= 10 => value,
        { ValueKind: JsonValueKind.String } s => s.GetString() switch
        {
            "low" => 2,
            "normal" => 5,
            "high" => 8,
            "critical" => 10,
            _ => throw GatewayException.Invalid("priority must be 0-10 or low, normal, high, critical", "priority"),
        },
        _ => throw GatewayException.Invalid("priority must be 0-10 or low, normal, high, critical", "priority"),
    };

    /// <summary>A rough estimate: the queue ahead spread over this replica's workers, at a configured time per task.</summary>
    private static async Task<DateTimeOffset?> EstimateAsync(QueueDepth depth, TaskQueueOptions options, TimeProvider time, CancellationToken cancellationToken)
    {
        long queued;
        try
        {
            queued = await depth.GetAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (System.Data.Common.DbException)
        {
            // The task is stored already: answering 503 now would make clients enqueue it twice. No estimate instead.
            return null;
        }

        var rounds = Math.Ceiling((double)queued / Math.Max(1, options.Workers));
        return time.GetUtcNow() + (options.EstimatedTaskDuration * Math.Max(1, rounds));
    }

    private static TaskView View(TaskRecord task) => new()
    {
        TaskId = task.Id,
        TaskType = task.TaskType,
        Status = task.Status,
        Priority = task.Priority,
        Attempts = task.Attempts,
        MaxAttempts = task.MaxAttempts,
        CancelRequested = task.CancelRequested,
        Error = task.LastError,
        CreatedAt = task.CreatedAt,
        UpdatedAt = task.UpdatedAt,
        CompletedAt = task.CompletedAt,
    };
}
