namespace SutazAi.Gateway.Hosting;

/// <summary>Agents (section <c>Agents</c>).</summary>
internal sealed class AgentOptions
{
    public const string Section = "Agents";

    /// <summary>A folder of agent definitions in YAML (*.yaml, *.yml) loaded at start; none when unset.</summary>
    public string? Directory { get; set; }

    /// <summary>Longest run of one tool call; past it the model gets a timeout error and the call is abandoned.</summary>
    public TimeSpan ToolTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>How deep agents may delegate to agents ("agent:&lt;name&gt;" tools); deeper stops the run (workflow_limit_exceeded).</summary>
    public int MaxDelegationDepth { get; set; } = 3;

    /// <summary>Model calls one run may make, its delegated runs included; more stops the run (workflow_limit_exceeded).</summary>
    public int MaxStepsPerRun { get; set; } = 50;
}
