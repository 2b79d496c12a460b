namespace SutazAi.Gateway.Storage.Agents;

/// <summary>An agent's executions counted by status, its active ones, and the latest.</summary>
internal sealed record AgentExecutionSummary(IReadOnlyDictionary<string, long> ByStatus, IReadOnlyList<string> Active, string? LatestId);
