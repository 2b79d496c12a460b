using System.Text.Json.Serialization;

namespace SutazAi.Gateway.Protocol.Sutaz;

/// <summary>POST /api/v1/auth/keys.</summary>
internal sealed class ApiKeyCreateRequest
{
    [JsonPropertyName("name")] public string? Name { get; set; }
    [JsonPropertyName("role")] public string? Role { get; set; }
    [JsonPropertyName("rpm")] public int? Rpm { get; set; }
    [JsonPropertyName("tpm")] public int? Tpm { get; set; }
    [JsonPropertyName("max_concurrent_streams")] public int? MaxConcurrentStreams { get; set; }
    [JsonPropertyName("token_budget")] public long? TokenBudget { get; set; }

    /// <summary>"day", "week" or "month" (a calendar period in UTC).</summary>
    [JsonPropertyName("budget_period")] public string? BudgetPeriod { get; set; }
    [JsonPropertyName("models")] public List<string>? Models { get; set; }
    [JsonPropertyName("expires_at")] public DateTimeOffset? ExpiresAt { get; set; }

    /// <summary>Whether OpenWebUI's X-OpenWebUI-User-* headers from this key are believed (to act for that end user).</summary>
    [JsonPropertyName("trusted")] public bool? Trusted { get; set; }
}

/// <summary>A key as listed: never its secret or hash.</summary>
internal sealed class ApiKeyView
{
    [JsonPropertyName("id")] public required string Id { get; init; }
    [JsonPropertyName("name")] public required string Name { get; init; }
    [JsonPropertyName("role")] public required string Role { get; init; }
    [JsonPropertyName("rpm")] public int? Rpm { get; init; }
    [JsonPropertyName("tpm")] public int? Tpm { get; init; }
    [JsonPropertyName("max_concurrent_streams")] public int? MaxConcurrentStreams { get; init; }
    [JsonPropertyName("token_budget")] public long? TokenBudget { get; init; }
    [JsonPropertyName("budget_period")] public string? BudgetPeriod { get; init; }
    [JsonPropertyName("models")] public IReadOnlyList<string>? Models { get; init; }
    [JsonPropertyName("trusted")] public bool Trusted { get; init; }
    [JsonPropertyName("expires_at")] public DateTimeOffset? ExpiresAt { get; init; }
    [JsonPropertyName("revoked_at")] public DateTimeOffset? RevokedAt { get; init; }
    [JsonPropertyName("created_at")] public DateTimeOffset CreatedAt { get; init; }

    /// <summary>Only in the answer to POST: the key itself, shown this once.</summary>
    [JsonPropertyName("key")] public string? Key { get; init; }
}

internal sealed class ApiKeyList
{
    [JsonPropertyName("keys")] public List<ApiKeyView> Keys { get; init; } = [];
}

/// <summary>POST /api/v1/auth/token: an access token for the presented key.</summary>
internal sealed class TokenReply
{
    [JsonPropertyName("access_token")] public required string AccessToken { get; init; }
    [JsonPropertyName("token_type")] public string TokenType { get; init; } = "Bearer";
    [JsonPropertyName("expires_in")] public int ExpiresIn { get; init; }
}
