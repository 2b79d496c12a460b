using SutazAi.Agents.Runtime;

namespace SutazAi.Gateway.Agents;

/// <summary>
/// One agent run and the runs it delegates to (an agent listing "agent:&lt;name&gt;" can ask that agent): RELIABILITY.md
/// AG-07. The whole tree shares one step budget (model calls) and one cancellation; a run deeper than the depth limit,
/// or a model call past the step limit, trips the tree: every run in it is cancelled and the root fails with
/// workflow_limit_exceeded. A cycle (A asks B asks A) is stopped by the depth limit, a fan-out by the step limit.
/// </summary>
internal sealed class RunTree : IDisposable
{
    public const string LimitExceeded = "workflow_limit_exceeded";
    private readonly Budget _budget;

    private RunTree(Budget budget, int depth)
    {
        _budget = budget;
        Depth = depth;
    }

    /// <summary>0 for the run a caller started; each delegation adds one.</summary>
    public int Depth { get; }

    public CancellationToken Token => _budget.Cancellation.Token;

    /// <summary>Why the tree was stopped; null while it runs.</summary>
    public string? Tripped => _budget.Reason;

    public int Steps => Volatile.Read(ref _budget.Steps);

    public static RunTree Root(int maxDepth, int maxSteps) => new(new Budget(maxDepth, maxSteps), 0);

    /// <summary>A delegated run one level down; past the depth limit the tree is stopped instead.</summary>
    public RunTree Child()
    {
        if (Depth + 1 > _budget.MaxDepth)
        {
            throw Trip($"delegation deeper than {_budget.MaxDepth} levels");
        }

        return new RunTree(_budget, Depth + 1);
    }

    /// <summary>Counts one model call of any run in the tree; past the step limit the tree is stopped.</summary>
    public void Step()
    {
        if (Interlocked.Increment(ref _budget.Steps) > _budget.MaxSteps)
        {
            throw Trip($"more than {_budget.MaxSteps} model calls in one run and its delegations");
        }
    }

    /// <summary>Called on the root only, when the request's run is over.</summary>
    public void Dispose() => _budget.Dispose();

    private RunAbortedException Trip(string reason)
    {
        Interlocked.CompareExchange(ref _budget.Reason, reason, null);
        _budget.Cancellation.Cancel();
        return new RunAbortedException($"{LimitExceeded}: {_budget.Reason}");
    }

    private sealed class Budget(int maxDepth, int maxSteps) : IDisposable
    {
        public readonly int MaxDepth = maxDepth;
        public readonly int MaxSteps = maxSteps;
        public readonly CancellationTokenSource Cancellation = new();
        public int Steps;
        public string? Reason;

        public void Dispose() => Cancellation.Dispose();
    }
}
