using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Text.Json;
using Microsoft.Extensions.AI;

namespace SutazAi.Agents.Runtime;

/// <summary>
/// The tool-call loop (Microsoft.Extensions.AI's FunctionInvokingChatClient is not installable here): while the model
/// asks for tools, run them and send the results back, then return the model's answer. Each call's arguments are
/// checked against the tool's JSON schema first; a call runs with a timeout; a failing, unknown or invalid call
/// becomes an error result the model can react to (except <see cref="RunAbortedException"/>, which ends the run); results are size-capped; the calls of one turn run in parallel.
/// Only the tools in the request's <see cref="ChatOptions.Tools"/> can run. After
/// <see cref="ToolLoopOptions.MaxIterations"/> tool turns the model is asked once more without tools, so it answers.
/// </summary>
public sealed class ToolInvokingChatClient(IChatClient inner, ToolLoopOptions loop) : DelegatingChatClient(inner)
{
    private readonly ToolLoopOptions _loop = Checked(loop);

    public override async Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null,
        CancellationToken cancellationToken = default)
    {
        var history = messages.ToList();
        var added = new List<ChatMessage>();
        var usage = new UsageDetails();
        var errors = 0;
        for (var iteration = 0; ; iteration++)
        {
            var turnOptions = TurnOptions(options, iteration);
            var response = await base.GetResponseAsync(history, turnOptions, cancellationToken).ConfigureAwait(false);
            AddUsage(usage, response.Usage);
            history.AddRange(response.Messages);
            added.AddRange(response.Messages);
            var calls = Calls(response.Messages);
            if (calls.Count == 0 || turnOptions?.Tools is not { Count: > 0 })
            {
                response.Messages = added;
                response.Usage = usage;
                return response;
            }

            StopAtLimit(iteration, added, usage);
            StopOverBudget(usage, added);
            var results = await InvokeAsync(calls, turnOptions.Tools, cancellationToken).ConfigureAwait(false);
            CountErrors(results, ref errors);
            var toolMessage = new ChatMessage(ChatRole.Tool, [.. results.Select(r => r.Content)]);
            history.Add(toolMessage);
            added.Add(toolMessage);
        }
    }

    public override async IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null,
        [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var history = messages.ToList();
        var errors = 0;
        var spent = new UsageDetails();
        for (var iteration = 0; ; iteration++)
        {
            var turnOptions = TurnOptions(options, iteration);
            var updates = new List<ChatResponseUpdate>();
            await foreach (var update in base.GetStreamingResponseAsync(history, turnOptions, cancellationToken).ConfigureAwait(false))
            {
                updates.Add(update);
                yield return update;
            }

            var turn = updates.ToChatResponse();
            history.AddRange(turn.Messages);
            var calls = Calls(turn.Messages);
            if (calls.Count == 0 || turnOptions?.Tools is not { Count: > 0 })
            {
                yield break;
            }

            StopAtLimit(iteration, history, turn.Usage);
            AddUsage(spent, turn.Usage);
            StopOverBudget(spent, history);
            var results = await InvokeAsync(calls, turnOptions.Tools, cancellationToken).ConfigureAwait(false);
            CountErrors(results, ref errors);
            var toolMessage = new ChatMessage(ChatRole.Tool, [.. results.Select(r => r.Content)]);
            history.Add(toolMessage);

            // The results go to the caller too, so a surface can show tool progress (and an agent can record it).
            yield return new ChatResponseUpdate(ChatRole.Tool, [.. toolMessage.Contents]) { MessageId = Guid.NewGuid().ToString("N") };
        }
    }

    /// <summary>
    /// RELIABILITY.md AG-01: a model still asking for tools after <see cref="ToolLoopOptions.MaxIterations"/> model
    /// calls is stuck (the same call forever, or two tools in turn); the run ends as failed (max_tool_iterations),
    /// with the transcript so far, rather than spending more.
    /// </summary>
    private void StopAtLimit(int iteration, IList<ChatMessage> transcript, UsageDetails? usage)
    {
        if (iteration + 1 >= _loop.MaxIterations)
        {
            throw new ToolLoopException(ToolLoopException.MaxToolIterations,
                $"the model still asked for tools after {_loop.MaxIterations} calls", [.. transcript], usage);
        }
    }

    /// <summary>RELIABILITY.md AG-01's per-run token budget: checked before every further model call.</summary>
    private void StopOverBudget(UsageDetails spent, IList<ChatMessage> transcript)
    {
        var total = spent.TotalTokenCount ?? ((spent.InputTokenCount ?? 0) + (spent.OutputTokenCount ?? 0));
        if (_loop.TokenBudget is { } budget && total >= budget)
        {
            throw new ToolLoopException(ToolLoopException.TokenBudgetExceeded,
                $"the run spent {total} tokens of its budget of {budget}", [.. transcript], spent);
        }
    }

    /// <summary>"Call a tool" (RequireAny) holds for the first turn only; after its results the model must be free to answer.</summary>
    private static ChatOptions? TurnOptions(ChatOptions? requested, int iteration)
    {
        if (requested?.Tools is not { Count: > 0 })
        {
            return requested;
        }

        if (iteration > 0 && requested.ToolMode is RequiredChatToolMode)
        {
            // "Call a tool" holds for the first turn; after its results the model must be free to answer.
            var next = requested.Clone();
            next.ToolMode = ChatToolMode.Auto;
            return next;
        }

        return requested;
    }

    /// <summary>Turns with a failed call in a row; at the limit the loop ends instead of letting the model try forever.</summary>
    private void CountErrors(IReadOnlyList<ToolResult> results, ref int consecutive)
    {
        consecutive = results.Any(r => r.Failed) ? consecutive + 1 : 0;
        if (consecutive >= _loop.MaxConsecutiveErrors)
        {
            var last = results.Last(r => r.Failed);
            throw new ToolLoopException(ToolLoopException.ConsecutiveToolErrors, $"tools failed in {consecutive} turns in a row; last: {last.Content.Result}");
        }
    }

    /// <summary>The calls to run; calls marked informational (already handled elsewhere) are not run again.</summary>
    private static List<FunctionCallContent> Calls(IEnumerable<ChatMessage> messages) =>
        [.. messages.SelectMany(m => m.Contents).OfType<FunctionCallContent>().Where(c => !c.InformationalOnly)];

    private async Task<IReadOnlyList<ToolResult>> InvokeAsync(List<FunctionCallContent> calls, IList<AITool> tools, CancellationToken cancellationToken)
    {
        var results = new ToolResult[calls.Count];
        for (var i = _loop.MaxCallsPerTurn; i < calls.Count; i++)
        {
            // Told, but not counted as a failing tool: the calls that did run decide MaxConsecutiveErrors.
            results[i] = Failed(calls[i], $"Error: not run: at most {_loop.MaxCallsPerTurn} tool calls are run per turn; ask for fewer.", Stopwatch.GetTimestamp())
                with { Failed = false };
        }

        var run = Math.Min(calls.Count, _loop.MaxCallsPerTurn);
        if (_loop.AllowParallelCalls && run > 1)
        {
            using var slots = new SemaphoreSlim(_loop.MaxParallelCalls);
            await Task.WhenAll(Enumerable.Range(0, run).Select(async i =>
            {
                await slots.WaitAsync(cancellationToken).ConfigureAwait(false);
                try
                {
                    results[i] = await InvokeOneAsync(calls[i], tools, cancellationToken).ConfigureAwait(false);
                }
                finally
                {
                    slots.Release();
                }
            })).ConfigureAwait(false);
            return results;
        }

        for (var i = 0; i < run; i++)
        {
            results[i] = await InvokeOneAsync(calls[i], tools, cancellationToken).ConfigureAwait(false);
        }

        return results;
    }

    private async Task<ToolResult> InvokeOneAsync(FunctionCallContent call, IList<AITool> tools, CancellationToken cancellationToken)
    {
        var started = Stopwatch.GetTimestamp();
        if (tools.OfType<AIFunction>().FirstOrDefault(t => t.Name == call.Name) is not { } function)
        {
            // Only the request's own tools: a model that names anything else gets told what exists.
            return Failed(call, $"Error: tool_not_allowed: '{call.Name}' is not one of your tools. Available tools: {string.Join(", ", tools.OfType<AIFunction>().Select(t => t.Name))}.", started);
        }

        if (call.Exception is { } unreadable)
        {
            return Failed(call, $"Error: the arguments for '{call.Name}' could not be read: {unreadable.Message}", started, unreadable);
        }

        // Small models often send numbers as strings or 3.0 for an integer: coerced to the schema's types first, so
        // the check and the binding agree on what was meant.
        var arguments = JsonSchemaValidator.Coerce(function.JsonSchema,
            JsonSerializer.SerializeToElement(call.Arguments ?? new Dictionary<string, object?>(), AIJsonUtilities.DefaultOptions));
        if (JsonSchemaValidator.Validate(function.JsonSchema, arguments) is { Count: > 0 } invalid)
        {
            return Failed(call, $"Error: invalid arguments for '{call.Name}': {string.Join("; ", invalid)}.", started);
        }

        var bound = new AIFunctionArguments(arguments.ValueKind == JsonValueKind.Object
            ? arguments.EnumerateObject().ToDictionary(p => p.Name, p => (object?)p.Value, StringComparer.Ordinal)
            : new Dictionary<string, object?>());
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(_loop.ToolTimeout);
        try
        {
            // On a tool thread (not the pool's): a synchronous tool must neither serialise the parallel calls nor, if it
            // ignores its token, hold the loop past the timeout (it is abandoned then; its result is never used), and
            // twenty such tools must not starve the pool that serves every other request (RELIABILITY.md AG-02).
            var result = await Task.Factory.StartNew(() => function.InvokeAsync(bound, timeout.Token).AsTask(), CancellationToken.None,
                    TaskCreationOptions.DenyChildAttach | TaskCreationOptions.HideScheduler, ToolThreadScheduler.Shared).Unwrap()
                .WaitAsync(_loop.ToolTimeout, cancellationToken).ConfigureAwait(false);
            return new ToolResult(new FunctionResultContent(call.CallId, Cap(result)), Failed: false, Stopwatch.GetElapsedTime(started));
        }
        catch (Exception e) when (e is TimeoutException || (e is OperationCanceledException && timeout.IsCancellationRequested && !cancellationToken.IsCancellationRequested))
        {
            return Failed(call, $"Error: '{call.Name}' did not finish within {_loop.ToolTimeout.TotalSeconds:0.###} s.", started);
        }
        catch (ToolException e)
        {
            return Failed(call, $"Error: {e.Message}", started, e);
        }
        catch (Exception e) when (e is JsonException or ArgumentException)
        {
            return Failed(call, $"Error: invalid arguments for '{call.Name}': {e.Message}", started, e);
        }
#pragma warning disable CA1031 // A tool's failure is the model's information, never the loop's end (up to MaxConsecutiveErrors).
        catch (Exception e) when (!cancellationToken.IsCancellationRequested && e is not RunAbortedException)
#pragma warning restore CA1031
        {
            // Includes a tool's own cancellation (its HTTP client timing out): a failed call, not the request's end.
            return Failed(call, _loop.IncludeExceptionDetails ? $"Error: {e.Message}" : $"Error: '{call.Name}' failed.", started, e);
        }
    }

    private static ToolLoopOptions Checked(ToolLoopOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentOutOfRangeException.ThrowIfLessThan(options.MaxIterations, 1, nameof(options.MaxIterations));
        ArgumentOutOfRangeException.ThrowIfLessThan(options.MaxParallelCalls, 1, nameof(options.MaxParallelCalls));
        ArgumentOutOfRangeException.ThrowIfLessThan(options.MaxCallsPerTurn, 1, nameof(options.MaxCallsPerTurn));
        ArgumentOutOfRangeException.ThrowIfLessThan(options.MaxConsecutiveErrors, 1, nameof(options.MaxConsecutiveErrors));
        ArgumentOutOfRangeException.ThrowIfLessThan(options.MaxResultChars, 1, nameof(options.MaxResultChars));
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(options.ToolTimeout, TimeSpan.Zero, nameof(options.ToolTimeout));
        return options;
    }

    private string? Cap(object? result)
    {
        var text = result switch
        {
            null => null,
            string s => s,
            JsonElement e => e.ValueKind == JsonValueKind.String ? e.GetString() : Compact(e),
            _ => Compact(JsonSerializer.SerializeToElement(result, AIJsonUtilities.DefaultOptions)),
        };
        if (text is null || text.Length <= _loop.MaxResultChars)
        {
            // JSON goes to the model without indentation: whitespace costs tokens.
            return text;
        }

        var cut = char.IsHighSurrogate(text[_loop.MaxResultChars - 1]) ? _loop.MaxResultChars - 1 : _loop.MaxResultChars;
        return string.Concat(text.AsSpan(0, cut), $"…[truncated: {text.Length - cut} more characters]");
    }

    private static string Compact(JsonElement element)
    {
        var buffer = new System.Buffers.ArrayBufferWriter<byte>();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            element.WriteTo(writer);
        }

        return System.Text.Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    private static ToolResult Failed(FunctionCallContent call, string message, long started, Exception? exception = null) =>
        new(new FunctionResultContent(call.CallId, message) { Exception = exception }, Failed: true, Stopwatch.GetElapsedTime(started));

    private static void AddUsage(UsageDetails total, UsageDetails? turn)
    {
        if (turn is not null)
        {
            total.Add(turn);
        }
    }

    private sealed record ToolResult(FunctionResultContent Content, bool Failed, TimeSpan Duration);
}
