using System.Diagnostics;
using System.Runtime.CompilerServices;
using Microsoft.Extensions.AI;
using SutazAi.Agents.Runtime;
using SutazAi.Gateway.Errors;
using SutazAi.Gateway.Storage.Agents;
using SutazAi.Gateway.Upstreams;

namespace SutazAi.Gateway.Agents;

/// <summary>
/// Runs an agent on a conversation: its model through the upstream pool, its system prompt first, only its own tools,
/// in the tool loop with its iteration limit, all within its timeout.
/// </summary>
internal sealed class AgentRunner(UpstreamPool pool, ToolCatalog catalog)
{
    public async Task<(ChatResponse Response, TimeSpan Duration)> RunAsync(AgentRecord agent, IReadOnlyList<ChatMessage> conversation,
        CancellationToken cancellationToken)
    {
        var (client, messages, options, limit) = Prepare(agent, conversation);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(limit);
        var started = Stopwatch.GetTimestamp();
        try
        {
            var response = await client.GetResponseAsync(messages, options, timeout.Token).ConfigureAwait(false);
            return (response, Stopwatch.GetElapsedTime(started));
        }
        catch (OperationCanceledException) when (timeout.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            throw TimedOut(agent, limit);
        }
        catch (ToolLoopException e)
        {
            throw Stopped(agent, e);
        }
    }

    /// <summary>The same run, streamed: the model's updates, the tool calls and their results as they happen.</summary>
    public async IAsyncEnumerable<ChatResponseUpdate> StreamAsync(AgentRecord agent, IReadOnlyList<ChatMessage> conversation,
        [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var (client, messages, options, limit) = Prepare(agent, conversation);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(limit);
        await using var updates = client.GetStreamingResponseAsync(messages, options, timeout.Token).GetAsyncEnumerator(timeout.Token);
        while (true)
        {
            try
            {
                if (!await updates.MoveNextAsync().ConfigureAwait(false))
                {
                    yield break;
                }
            }
            catch (OperationCanceledException) when (timeout.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
            {
                throw TimedOut(agent, limit);
            }
            catch (ToolLoopException e)
            {
                throw Stopped(agent, e);
            }

            yield return updates.Current;
        }
    }

    private (IChatClient Client, List<ChatMessage> Messages, ChatOptions Options, TimeSpan Limit) Prepare(AgentRecord agent, IReadOnlyList<ChatMessage> conversation)
    {
        var config = agent.Definition.Config!;
        var client = new ChatPipeline(new PoolChatClient(pool, config.ModelName!))
            .UseToolInvocation(new ToolLoopOptions { MaxIterations = config.MaxIterations ?? AgentRules.DefaultMaxIterations })
            .Build();
        var messages = new List<ChatMessage>();
        if (!string.IsNullOrEmpty(config.SystemPrompt))
        {
            messages.Add(new ChatMessage(ChatRole.System, config.SystemPrompt));
        }

        messages.AddRange(conversation);
        var options = new ChatOptions
        {
            Tools = config.Tools is { Count: > 0 } names ? [.. catalog.Resolve(names, "config.tools")] : null,
            Temperature = (float?)config.Temperature,
            MaxOutputTokens = config.MaxTokens,
        };
        return (client, messages, options, TimeSpan.FromSeconds(config.TimeoutSeconds ?? AgentRules.DefaultTimeoutSeconds));
    }

    private static GatewayException TimedOut(AgentRecord agent, TimeSpan limit) =>
        new(ErrorKind.AgentTimeout, $"agent '{agent.Name}' did not finish within {limit.TotalSeconds:0} s");

    private static GatewayException Stopped(AgentRecord agent, ToolLoopException e) =>
        new(ErrorKind.AgentFailed, $"agent '{agent.Name}' stopped: {e.Message}");
}
