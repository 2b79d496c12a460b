using System.Runtime.CompilerServices;
using Microsoft.Extensions.AI;

namespace SutazAi.Gateway.Agents;

/// <summary>Counts every model call against the run tree's step budget (<see cref="RunTree.Step"/>) before making it.</summary>
internal sealed class StepCountingChatClient(IChatClient inner, RunTree tree) : DelegatingChatClient(inner)
{
    public override Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
    {
        tree.Step();
        return base.GetResponseAsync(messages, options, cancellationToken);
    }

    public override async IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null,
        [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        tree.Step();
        await foreach (var update in base.GetStreamingResponseAsync(messages, options, cancellationToken).ConfigureAwait(false))
        {
            yield return update;
        }
    }
}
