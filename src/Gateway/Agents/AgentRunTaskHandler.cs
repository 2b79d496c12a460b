using System.Text;
using System.Text.Json;
using Microsoft.Extensions.AI;
using SutazAi.Gateway.Errors;
using SutazAi.Gateway.Storage.Agents;
using SutazAi.Gateway.Tasks;

namespace SutazAi.Gateway.Agents;

/// <summary>
/// agent_run: an agent execution as a durable task (POST /api/v1/agents/{id}/execute). The run's tool calls, tool
/// results and reasoning are stored as the task's events as they happen, so a subscriber (or a late one) sees them
/// all; the task's own events carry the status, the completion and any failure. If the replica dies mid-run, the
/// lease expires and the run starts again on another replica (at least once; tool side effects carry
/// <see cref="TaskExecution.IdempotencyKey"/>), never silently lost.
/// </summary>
internal sealed class AgentRunTaskHandler(AgentStore store, AgentRunner runner) : ITaskHandler
{
    public const string Type = "agent_run";
    public const string OwnerField = "owner";
    private const int EventResultChars = 4000;

    public string TaskType => Type;

    public void Validate(JsonElement payload)
    {
        if (!payload.TryGetProperty("agent_id", out var agent) || agent.ValueKind != JsonValueKind.String || agent.GetString()!.Length == 0)
        {
            throw GatewayException.Invalid("payload.agent_id is required", "payload.agent_id");
        }

        if (!payload.TryGetProperty("task", out var task) || task.ValueKind != JsonValueKind.String || string.IsNullOrWhiteSpace(task.GetString()))
        {
            throw GatewayException.Invalid("payload.task must be a non-empty string", "payload.task");
        }

        if (payload.TryGetProperty(OwnerField, out _))
        {
            throw GatewayException.Invalid("payload.owner is set by the gateway (the caller), not by the client", "payload.owner");
        }
    }

    /// <summary>The run acts for the caller who enqueued it: its tools reach that caller's memories and documents only.</summary>
    public string Bind(JsonElement payload, Auth.Caller caller)
    {
        var fields = payload.EnumerateObject().ToDictionary(p => p.Name, p => p.Value, StringComparer.Ordinal);
        fields[OwnerField] = JsonSerializer.SerializeToElement(caller.Owner, Protocol.Sutaz.SutazJsonContext.Default.String);
        return JsonSerializer.Serialize(fields, Protocol.Sutaz.SutazJsonContext.Default.DictionaryStringJsonElement);
    }

    public async Task<string> RunAsync(TaskExecution execution, CancellationToken cancellationToken)
    {
        var agent = await store.FindAsync(execution.Payload.GetProperty("agent_id").GetString()!, cancellationToken).ConfigureAwait(false)
            ?? throw new GatewayException(ErrorKind.AgentNotFound, "the agent was deleted");
        var prompt = new StringBuilder(execution.Payload.GetProperty("task").GetString());
        if (execution.Payload.TryGetProperty("context", out var context) && context.ValueKind is not (JsonValueKind.Null or JsonValueKind.Undefined))
        {
            prompt.Append("\n\nContext:\n").Append(context.GetRawText());
        }

        var answer = new StringBuilder();
        var usage = new UsageDetails();
        var names = new Dictionary<string, string>(StringComparer.Ordinal);
        var calls = 0;
        var iteration = 0;
        await execution.ReportAsync("progress", Json(w => w.WriteString("stage", "running"))).ConfigureAwait(false);
        await foreach (var update in runner.StreamAsync(agent, [new ChatMessage(ChatRole.User, prompt.ToString())], Owner(execution.Payload), cancellationToken).ConfigureAwait(false))
        {
            foreach (var content in update.Contents)
            {
                switch (content)
                {
                    case FunctionCallContent call:
                        names[call.CallId] = call.Name;
                        calls++;
                        await execution.ReportAsync("tool_call", Json(w =>
                        {
                            w.WriteString("call_id", call.CallId);
                            w.WriteString("name", call.Name);
                            w.WritePropertyName("arguments");
                            JsonSerializer.SerializeToElement(call.Arguments ?? new Dictionary<string, object?>(), AIJsonUtilities.DefaultOptions).WriteTo(w);
                        })).ConfigureAwait(false);
                        break;
                    case FunctionResultContent result:
                        var output = result.Result?.ToString() ?? "";
                        await execution.ReportAsync("tool_result", Json(w =>
                        {
                            w.WriteString("call_id", result.CallId);
                            w.WriteString("name", names.GetValueOrDefault(result.CallId, ""));
                            w.WriteString("result", output.Length > EventResultChars ? output[..EventResultChars] + "…" : output);
                            w.WriteBoolean("error", output.StartsWith("Error:", StringComparison.Ordinal));
                        })).ConfigureAwait(false);
                        iteration++;
                        break;
                    case TextReasoningContent reasoning when !string.IsNullOrEmpty(reasoning.Text):
                        await execution.ReportAsync("reasoning", Json(w => w.WriteString("text", reasoning.Text))).ConfigureAwait(false);
                        break;
                    case TextContent text when update.Role != ChatRole.Tool:
                        answer.Append(text.Text);
                        break;
                    case UsageContent used:
                        usage.Add(used.Details);
                        break;
                }
            }

            // Text that preceded a tool call was the model thinking aloud; the answer is what follows the last tool turn.
            if (update.Role == ChatRole.Tool)
            {
                answer.Clear();
            }
        }

        return Json(w =>
        {
            w.WriteString("agent_id", agent.Id);
            w.WriteString("response", answer.ToString());
            w.WriteString("model", agent.Definition.Config!.ModelName);
            w.WriteNumber("tool_calls", calls);
            w.WriteNumber("iterations", iteration);
            w.WriteNumber("tokens_used", usage.TotalTokenCount ?? ((usage.InputTokenCount ?? 0) + (usage.OutputTokenCount ?? 0)));
        });
    }

    /// <summary>Who asked for the execution (recorded at enqueue); its tools act for that owner.</summary>
    private static Auth.Caller Owner(JsonElement payload) =>
        payload.TryGetProperty(OwnerField, out var owner) && owner.ValueKind == JsonValueKind.String && owner.GetString() is { Length: > 0 } name
            ? new Auth.Caller(name)
            : throw GatewayException.Invalid("the execution has no owner; it was not enqueued through the gateway's API", "payload.owner");

    private static string Json(Action<Utf8JsonWriter> write)
    {
        var buffer = new System.Buffers.ArrayBufferWriter<byte>();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            write(writer);
            writer.WriteEndObject();
        }

        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }
}
