using System.Text.Json.Serialization;

namespace SutazAi.Gateway.Protocol.Sutaz;

/// <summary>GET /api/v1/cache/stats.</summary>
internal sealed class CacheStatsView
{
    [JsonPropertyName("backend")] public string Backend { get; set; } = "";
    [JsonPropertyName("hits")] public long Hits { get; set; }
    [JsonPropertyName("misses")] public long Misses { get; set; }
    [JsonPropertyName("hit_rate")] public double HitRate { get; set; }
    [JsonPropertyName("keys")] public int Keys { get; set; }
    [JsonPropertyName("memory_used_bytes")] public long MemoryUsedBytes { get; set; }
    [JsonPropertyName("average_ttl_seconds")] public double AverageTtlSeconds { get; set; }
}

internal sealed class CacheClearRequest
{
    [JsonPropertyName("pattern")] public string? Pattern { get; set; }
}

internal sealed class CacheClearReply
{
    [JsonPropertyName("cleared")] public int Cleared { get; set; }
    [JsonPropertyName("pattern")] public string Pattern { get; set; } = "";
}

internal sealed class CacheKeyView
{
    [JsonPropertyName("key")] public string Key { get; set; } = "";
    [JsonPropertyName("size_bytes")] public int SizeBytes { get; set; }
    [JsonPropertyName("created_at")] public DateTimeOffset CreatedAt { get; set; }
    [JsonPropertyName("expires_at")] public DateTimeOffset ExpiresAt { get; set; }
}

internal sealed class CacheKeysPage
{
    [JsonPropertyName("items")] public List<CacheKeyView> Items { get; set; } = [];
    [JsonPropertyName("total")] public long Total { get; set; }
    [JsonPropertyName("page")] public int Page { get; set; }
    [JsonPropertyName("per_page")] public int PerPage { get; set; }
    [JsonPropertyName("has_next")] public bool HasNext { get; set; }
    [JsonPropertyName("has_prev")] public bool HasPrev { get; set; }
}

internal sealed class CacheWarmReply
{
    [JsonPropertyName("task_id")] public string TaskId { get; set; } = "";
    [JsonPropertyName("requests")] public int Requests { get; set; }
}
