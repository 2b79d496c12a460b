using System.Globalization;
using System.Runtime.CompilerServices;
using System.Text.Json;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;
using SutazAi.Gateway.Agents;
using SutazAi.Gateway.Errors;
using SutazAi.Gateway.Hosting;
using SutazAi.Gateway.Protocol.Sutaz;
using SutazAi.Gateway.Storage.Agents;
using SutazAi.Gateway.Storage.Tasks;
using SutazAi.Gateway.Streaming;
using SutazAi.Gateway.Tasks;
using TaskStatus = SutazAi.Gateway.Storage.Tasks.TaskStatus;

namespace SutazAi.Gateway.Endpoints.Admin;

/// <summary>
/// Agent executions (seed 003): an execution is a durable agent_run task, so it survives restarts and runs on any
/// replica; its status and result are the task's, and its SSE stream is the task's events in seed 003's types.
/// </summary>
internal static class AgentExecutionApi
{
    public static RouteGroupBuilder MapAgentExecutionApi(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/v1/agents/{id}").WithTags("Agents");
        group.MapPost("/execute", ExecuteAsync).WithName("AgentExecute");
        group.MapGet("/executions/{executionId}", GetAsync).WithName("AgentExecutionGet");
        group.MapPost("/executions/{executionId}/cancel", CancelAsync).WithName("AgentExecutionCancel");
        group.MapGet("/stream/{executionId}", StreamAsync).WithName("AgentExecutionStream");
        group.MapGet("/state", StateAsync).WithName("AgentState");
        app.Map("/ws/agents/{id}/execution", SocketAsync).WithName("AgentExecutionSocket").WithTags("Agents");
        return group;
    }

    private static async Task<Accepted<Envelope<AgentExecutionView>>> ExecuteAsync(HttpContext context, string id, AgentStore agents, ITaskStore tasks,
        AgentExecutionIndex index, TaskSignal signal, IOptions<TaskQueueOptions> options, TimeProvider time)
    {
        var request = await RequestBody.ReadAsync(context.Request, SutazJsonContext.Default.AgentExecuteRequest).ConfigureAwait(false);
        if (string.IsNullOrWhiteSpace(request.Task))
        {
            throw GatewayException.Invalid("task is required", "task");
        }

        if (request.ExecutionMode is not (null or "async"))
        {
            throw GatewayException.Invalid("execution_mode must be async (use POST /api/v1/agents/{id}/invoke for a synchronous answer)", "execution_mode");
        }

        var agent = await AgentApi.FindAsync(agents, id, context.RequestAborted).ConfigureAwait(false);
        var payload = new Dictionary<string, JsonElement>(StringComparer.Ordinal)
        {
            ["agent_id"] = JsonSerializer.SerializeToElement(agent.Id, SutazJsonContext.Default.String),
            ["task"] = JsonSerializer.SerializeToElement(request.Task, SutazJsonContext.Default.String),
            [AgentRunTaskHandler.OwnerField] = JsonSerializer.SerializeToElement(Auth.Caller.From(context).Owner, SutazJsonContext.Default.String),
        };
        if (request.Context is { ValueKind: not JsonValueKind.Null } executionContext)
        {
            payload["context"] = executionContext;
        }

        var created = await tasks.EnqueueAsync(new NewTask(AgentRunTaskHandler.Type,
            JsonSerializer.Serialize(payload, SutazJsonContext.Default.DictionaryStringJsonElement), 5, options.Value.MaxAttempts, null),
            context.RequestAborted).ConfigureAwait(false);
        signal.Notify();
        // The task exists and may be running: the link is written whatever happens to this request now.
        await index.AddAsync(agent.Id, created.Task!.Id, CancellationToken.None).ConfigureAwait(false);
        var view = View(agent, created.Task!);
        return TypedResults.Accepted(view.Monitoring["status_url"], Envelope.Success(context, view, time));
    }

    private static async Task<Ok<Envelope<AgentStateView>>> StateAsync(HttpContext context, string id, AgentStore agents, ITaskStore tasks,
        AgentExecutionIndex index, Vectors.VectorMemory memory, TimeProvider time)
    {
        var agent = await AgentApi.FindAsync(agents, id, context.RequestAborted).ConfigureAwait(false);
        var summary = await index.SummaryAsync(agent.Id, context.RequestAborted).ConfigureAwait(false);
        var latest = summary.LatestId is { } latestId ? await tasks.GetAsync(latestId, context.RequestAborted).ConfigureAwait(false) : null;
        var config = agent.Definition.Config!;
        return TypedResults.Ok(Envelope.Success(context, new AgentStateView
        {
            AgentId = agent.Id,
            Name = agent.Name,
            State = summary.ByStatus.GetValueOrDefault(TaskStatus.Running) > 0 ? "busy" : summary.ByStatus.GetValueOrDefault(TaskStatus.Queued) > 0 ? "queued" : "idle",
            Model = config.ModelName!,
            Tools = config.Tools ?? [],
            Executions = new Dictionary<string, long>(summary.ByStatus, StringComparer.Ordinal) { ["total"] = summary.ByStatus.Values.Sum() },
            ActiveExecutions = [.. summary.Active],
            LastExecution = latest is null ? null : View(agent, latest),
            Memory = new AgentMemoryState
            {
                Enabled = config.MemoryEnabled == true,
                Items = await memory.CountMemoriesAsync(Auth.Caller.From(context).Owner, agent.Id, context.RequestAborted).ConfigureAwait(false),
            },
            UpdatedAt = agent.UpdatedAt,
        }, time));
    }

    private static async Task<Ok<Envelope<AgentExecutionView>>> GetAsync(HttpContext context, string id, string executionId, AgentStore agents,
        ITaskStore tasks, TimeProvider time)
    {
        var (agent, task) = await FindAsync(agents, tasks, id, executionId, context.RequestAborted).ConfigureAwait(false);
        return TypedResults.Ok(Envelope.Success(context, View(agent, task), time));
    }

    private static async Task<Results<Ok<Envelope<AgentExecutionView>>, Accepted<Envelope<AgentExecutionView>>>> CancelAsync(HttpContext context, string id,
        string executionId, AgentStore agents, ITaskStore tasks, TimeProvider time)
    {
        var (agent, _) = await FindAsync(agents, tasks, id, executionId, context.RequestAborted).ConfigureAwait(false);
        var outcome = await tasks.CancelAsync(executionId, context.RequestAborted).ConfigureAwait(false);
        var task = (await tasks.GetAsync(executionId, context.RequestAborted).ConfigureAwait(false))!;
        return outcome switch
        {
            CancelOutcome.Cancelled => TypedResults.Ok(Envelope.Success(context, View(agent, task), time)),
            CancelOutcome.Requested => TypedResults.Accepted((string?)null, Envelope.Success(context, View(agent, task), time)),
            _ => throw new GatewayException(ErrorKind.Conflict, $"the execution is already {task.Status}"),
        };
    }

    /// <summary>SSE: the stored events first (a late subscriber misses nothing), then live ones, ending after completion or error.</summary>
    private static async Task<Results<EmptyHttpResult, NoContent>> StreamAsync(HttpContext context, string id, string executionId, AgentStore agents,
        ITaskStore tasks, IOptions<TaskQueueOptions> options, TimeProvider time)
    {
        var ct = context.RequestAborted;
        await FindAsync(agents, tasks, id, executionId, ct).ConfigureAwait(false);
        var after = TaskEventSse.LastEventId(context.Request);
        if (await TaskEventSse.NothingMoreAsync(tasks, executionId, after, ct).ConfigureAwait(false))
        {
            return TypedResults.NoContent();
        }

        await TaskEventSse.WriteAsync(context.Response, EventsAsync(tasks, executionId, after, options.Value.EventPollInterval, time, ct),
            e => (e.Sequence, e.Type), SutazJsonContext.Default.AgentStreamEvent, time, ct).ConfigureAwait(false);
        return TypedResults.Empty;
    }

    /// <summary>
    /// WebSocket /ws/agents/{id}/execution: the client sends {"action":"subscribe","execution_id":"…"} for any of the
    /// agent's executions and receives the same events as the SSE stream, as JSON messages.
    /// </summary>
    private static async Task SocketAsync(HttpContext context, string id, AgentStore agents, ITaskStore tasks, IOptions<TaskQueueOptions> options,
        TimeProvider time)
    {
        var agent = await AgentApi.FindAsync(agents, id, context.RequestAborted).ConfigureAwait(false);
        await SubscriptionSocket.RunAsync(context, Subscription, "send {\"action\":\"subscribe\",\"execution_id\":\"…\"}",
            async (executionId, ct) =>
            {
                try
                {
                    await FindAsync(agents, tasks, agent.Id, executionId, ct).ConfigureAwait(false);
                    return null;
                }
                catch (GatewayException)
                {
                    return ("NOT_FOUND", "execution not found");
                }
            },
            (executionId, ct) => MessagesAsync(tasks, executionId, options.Value.EventPollInterval, time, ct)).ConfigureAwait(false);
    }

    private static async IAsyncEnumerable<byte[]> MessagesAsync(ITaskStore tasks, string executionId, TimeSpan poll, TimeProvider time,
        [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await foreach (var e in EventsAsync(tasks, executionId, 0, poll, time, cancellationToken).ConfigureAwait(false))
        {
            yield return JsonSerializer.SerializeToUtf8Bytes(e, SutazJsonContext.Default.AgentStreamEvent);
        }
    }

    private static string? Subscription(ReadOnlyMemory<byte> message)
    {
        try
        {
            using var document = JsonDocument.Parse(message);
            return document.RootElement is { ValueKind: JsonValueKind.Object } root
                && root.TryGetProperty("action", out var action) && action.ValueEquals("subscribe")
                && root.TryGetProperty("execution_id", out var id) && id.ValueKind == JsonValueKind.String && id.GetString()!.Length > 0
                ? id.GetString()
                : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    /// <summary>The execution's events in seed 003's types; the completion carries the run's result (stored on the task).</summary>
    private static async IAsyncEnumerable<AgentStreamEvent> EventsAsync(ITaskStore tasks, string executionId, int after, TimeSpan poll, TimeProvider time,
        [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await foreach (var e in TaskEventFeed.FollowAsync(tasks, executionId, after, poll, time, cancellationToken).ConfigureAwait(false))
        {
            var (type, data) = Translate(e);
            if (type == "completion" && await tasks.GetAsync(executionId, cancellationToken).ConfigureAwait(false) is { Result: { } result })
            {
                data = JsonDocument.Parse(result).RootElement.Clone();
            }

            yield return new AgentStreamEvent { Type = type, ExecutionId = executionId, Sequence = e.Seq, Data = data, Timestamp = e.CreatedAt };
        }
    }

    /// <summary>The queue's event types in seed 003's vocabulary.</summary>
    private static (string Type, JsonElement? Data) Translate(TaskEventView e) => e.Type switch
    {
        "queued" or "started" or "retrying" or "released" or "cancelled" => ("status", Status(e.Type switch
        {
            "started" => "running",
            "released" => "queued",
            var other => other,
        }, e.Data)),
        "completed" => ("completion", e.Data),
        "failed" => ("error", e.Data),
        var other => (other, e.Data),
    };

    private static JsonElement Status(string status, JsonElement? detail)
    {
        var fields = new Dictionary<string, JsonElement>(StringComparer.Ordinal) { ["status"] = JsonSerializer.SerializeToElement(status, SutazJsonContext.Default.String) };
        if (detail is { ValueKind: JsonValueKind.Object } details)
        {
            foreach (var property in details.EnumerateObject())
            {
                fields[property.Name] = property.Value;
            }
        }

        return JsonSerializer.SerializeToElement(fields, SutazJsonContext.Default.DictionaryStringJsonElement);
    }

    private static AgentExecutionView View(AgentRecord agent, TaskRecord task) => new()
    {
        ExecutionId = task.Id,
        AgentId = agent.Id,
        Status = task.Status,
        Progress = task.Status switch
        {
            TaskStatus.Queued => 0,
            TaskStatus.Running => 50,
            _ => 100,
        },
        Attempts = task.Attempts,
        Result = task.Result is null ? null : JsonDocument.Parse(task.Result).RootElement.Clone(),
        Error = task.Status == TaskStatus.Failed ? task.LastError : null,
        CreatedAt = task.CreatedAt,
        UpdatedAt = task.UpdatedAt,
        CompletedAt = task.CompletedAt,
        Monitoring = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["status_url"] = $"/api/v1/agents/{agent.Id}/executions/{task.Id}",
            ["stream_url"] = $"/api/v1/agents/{agent.Id}/stream/{task.Id}",
            ["cancel_url"] = $"/api/v1/agents/{agent.Id}/executions/{task.Id}/cancel",
        },
    };

    /// <summary>The execution, only under its own agent: another agent's execution id is not found here.</summary>
    private static async Task<(AgentRecord Agent, TaskRecord Task)> FindAsync(AgentStore agents, ITaskStore tasks, string id, string executionId,
        CancellationToken cancellationToken)
    {
        var agent = await AgentApi.FindAsync(agents, id, cancellationToken).ConfigureAwait(false);
        var task = executionId.Length == 32 && executionId.All(char.IsAsciiHexDigitLower)
            ? await tasks.GetAsync(executionId, cancellationToken).ConfigureAwait(false)
            : null;
        return task is not null && task.TaskType == AgentRunTaskHandler.Type
            && JsonDocument.Parse(task.Payload).RootElement.GetProperty("agent_id").GetString() == agent.Id
            ? (agent, task)
            : throw new GatewayException(ErrorKind.NotFound, "execution not found");
    }
}
