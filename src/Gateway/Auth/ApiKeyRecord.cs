namespace SutazAi.Gateway.Auth;

/// <summary>A stored API key (never its secret): who it is, its role and its limits.</summary>
internal sealed record ApiKeyRecord(
    string Id,
    string Name,
    byte[] SecretHash,
    string Role,
    int? Rpm,
    int? Tpm,
    int? MaxConcurrentStreams,
    long? TokenBudget,
    string? BudgetPeriod,
    IReadOnlyList<string>? Models,
    bool Trusted,
    DateTimeOffset? ExpiresAt,
    DateTimeOffset? RevokedAt,
    DateTimeOffset CreatedAt)
{
    public bool IsActive(DateTimeOffset now) => RevokedAt is null && (ExpiresAt is null || ExpiresAt > now);
}
