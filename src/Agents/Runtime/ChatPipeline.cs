using Microsoft.Extensions.AI;

namespace SutazAi.Agents.Runtime;

/// <summary>
/// Composes an <see cref="IChatClient"/> from an inner client and wrappers (Microsoft.Extensions.AI's ChatClientBuilder
/// is not installable here). The first <see cref="Use"/> is the outermost: it sees the caller's request first.
/// </summary>
public sealed class ChatPipeline(IChatClient inner)
{
    private readonly List<Func<IChatClient, IChatClient>> _wrappers = [];

    public ChatPipeline Use(Func<IChatClient, IChatClient> wrapper)
    {
        ArgumentNullException.ThrowIfNull(wrapper);
        _wrappers.Add(wrapper);
        return this;
    }

    public ChatPipeline UseToolInvocation(ToolLoopOptions? options = null)
    {
        var loop = options ?? new ToolLoopOptions();
        return Use(client => new ToolInvokingChatClient(client, loop));
    }

    public IChatClient Build()
    {
        var client = inner;
        for (var i = _wrappers.Count - 1; i >= 0; i--)
        {
            client = _wrappers[i](client);
        }

        return client;
    }
}
