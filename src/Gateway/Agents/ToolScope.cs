namespace SutazAi.Gateway.Agents;

/// <summary>
/// Whom a run's tools act for: the caller (owner) and the agent. Tools that touch stored data are built per run with
/// this bound, so their reach is decided by the request's identity, never by anything the model writes.
/// </summary>
internal sealed record ToolScope(string Owner, string AgentId)
{
    /// <summary>For listing tool schemas only; such tools are never run.</summary>
    public static readonly ToolScope Listing = new("", "");
}
