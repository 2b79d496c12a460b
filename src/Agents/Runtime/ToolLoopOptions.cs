namespace SutazAi.Agents.Runtime;

/// <summary>Limits of the tool-call loop (<see cref="ToolInvokingChatClient"/>).</summary>
public sealed class ToolLoopOptions
{
    /// <summary>Model calls per run; a model still asking for tools at the last one fails the run (max_tool_iterations).</summary>
    public int MaxIterations { get; set; } = 8;

    /// <summary>Turns in a row in which a tool failed before the loop gives up (<see cref="ToolLoopException"/>).</summary>
    public int MaxConsecutiveErrors { get; set; } = 3;

    /// <summary>Longest run of one tool call; past it the model gets a timeout error as the result.</summary>
    public TimeSpan ToolTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Longest tool result handed back to the model, in characters; longer results are cut and marked.</summary>
    public int MaxResultChars { get; set; } = 16_000;

    /// <summary>
    /// Tokens (prompt plus completion, summed over the run's model calls) a run may spend; past it the run fails
    /// (token_budget_exceeded) instead of calling the model again. Null: no budget.
    /// </summary>
    public long? TokenBudget { get; set; }

    /// <summary>Whether the calls of one turn run concurrently.</summary>
    public bool AllowParallelCalls { get; set; } = true;

    /// <summary>Calls of one turn running at once; the rest wait for a slot.</summary>
    public int MaxParallelCalls { get; set; } = 20;

    /// <summary>Calls one turn may ask for; the calls past it are not run and get an error result (a fan-out of 1,000 runs 32).</summary>
    public int MaxCallsPerTurn { get; set; } = 32;

    /// <summary>Whether an unexpected tool exception's message reaches the model (expected failures, <see cref="ToolException"/>, always do).</summary>
    public bool IncludeExceptionDetails { get; set; }
}

/// <summary>An expected tool failure whose message is meant for the model ("no such city"), as opposed to a bug.</summary>
public sealed class ToolException : Exception
{
    public ToolException()
    {
    }

    public ToolException(string message)
        : base(message)
    {
    }

    public ToolException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}

/// <summary>The loop stopped before an answer: <see cref="Reason"/> says why; the transcript so far is kept.</summary>
public sealed class ToolLoopException : Exception
{
    public const string MaxToolIterations = "max_tool_iterations";
    public const string ConsecutiveToolErrors = "consecutive_tool_errors";
    public const string TokenBudgetExceeded = "token_budget_exceeded";

    public ToolLoopException()
    {
    }

    public ToolLoopException(string message)
        : base(message)
    {
    }

    public ToolLoopException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    public ToolLoopException(string reason, string message, IReadOnlyList<Microsoft.Extensions.AI.ChatMessage>? transcript = null,
        Microsoft.Extensions.AI.UsageDetails? usage = null)
        : base($"{reason}: {message}")
    {
        Reason = reason;
        Transcript = transcript ?? [];
        Usage = usage;
    }

    /// <summary>max_tool_iterations or consecutive_tool_errors.</summary>
    public string? Reason { get; }

    /// <summary>The messages of the run up to the stop (the partial transcript).</summary>
    public IReadOnlyList<Microsoft.Extensions.AI.ChatMessage> Transcript { get; } = [];

    public Microsoft.Extensions.AI.UsageDetails? Usage { get; }
}
