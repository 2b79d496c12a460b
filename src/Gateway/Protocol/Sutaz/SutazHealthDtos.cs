using System.Text.Json.Serialization;

namespace SutazAi.Gateway.Protocol.Sutaz;

/// <summary>GET /health (seed spec §2.1).</summary>
internal sealed class HealthReply
{
    [JsonPropertyName("status")] public string Status { get; set; } = "";
    [JsonPropertyName("timestamp")] public DateTimeOffset Timestamp { get; set; }
    [JsonPropertyName("services")] public Dictionary<string, string> Services { get; set; } = [];
    [JsonPropertyName("performance")] public HealthPerformance Performance { get; set; } = new();
}

internal sealed class HealthPerformance
{
    [JsonPropertyName("response_time_ms")] public double ResponseTimeMs { get; set; }
}

/// <summary>GET /api/v1/health/detailed (seed spec §2.1 example, with one entry per Ollama server).</summary>
internal sealed class DetailedHealth
{
    [JsonPropertyName("overall_status")] public string OverallStatus { get; set; } = "";
    [JsonPropertyName("timestamp")] public DateTimeOffset Timestamp { get; set; }
    [JsonPropertyName("services")] public DetailedServices Services { get; set; } = new();
    [JsonPropertyName("performance_metrics")] public PerformanceMetrics PerformanceMetrics { get; set; } = new();
    [JsonPropertyName("system_resources")] public SystemResources SystemResources { get; set; } = new();
    [JsonPropertyName("alerts")] public List<string> Alerts { get; set; } = [];
    [JsonPropertyName("recommendations")] public List<string> Recommendations { get; set; } = [];
}

internal sealed class DetailedServices
{
    [JsonPropertyName("ollama")] public OllamaHealth Ollama { get; set; } = new();
    [JsonPropertyName("database")] public DatabaseHealth Database { get; set; } = new();
}

internal sealed class DatabaseHealth
{
    [JsonPropertyName("status")] public string Status { get; set; } = "";
    [JsonPropertyName("provider")] public string Provider { get; set; } = "";
    [JsonPropertyName("latency_ms"), JsonIgnore(Condition = JsonIgnoreCondition.Never)] public double? LatencyMs { get; set; }
    [JsonPropertyName("last_checked"), JsonIgnore(Condition = JsonIgnoreCondition.Never)] public DateTimeOffset? LastChecked { get; set; }
}

internal sealed class OllamaHealth
{
    [JsonPropertyName("status")] public string Status { get; set; } = "";
    [JsonPropertyName("servers")] public List<ServerHealth> Servers { get; set; } = [];
}

internal sealed class ServerHealth
{
    [JsonPropertyName("name")] public string Name { get; set; } = "";
    [JsonPropertyName("status")] public string Status { get; set; } = "";
    [JsonPropertyName("version"), JsonIgnore(Condition = JsonIgnoreCondition.Never)] public string? Version { get; set; }
    [JsonPropertyName("latency_ms"), JsonIgnore(Condition = JsonIgnoreCondition.Never)] public double? LatencyMs { get; set; }
    [JsonPropertyName("circuit_breaker")] public string CircuitBreaker { get; set; } = "";
    [JsonPropertyName("models")] public int Models { get; set; }
    [JsonPropertyName("in_flight")] public int InFlight { get; set; }
    [JsonPropertyName("last_checked"), JsonIgnore(Condition = JsonIgnoreCondition.Never)] public DateTimeOffset? LastChecked { get; set; }
}

internal sealed class PerformanceMetrics
{
    [JsonPropertyName("requests_total")] public long RequestsTotal { get; set; }
    [JsonPropertyName("requests_per_second")] public double RequestsPerSecond { get; set; }
    [JsonPropertyName("avg_response_time_ms")] public double AvgResponseTimeMs { get; set; }
    [JsonPropertyName("error_rate")] public double ErrorRate { get; set; }
}

internal sealed class SystemResources
{
    [JsonPropertyName("cpu_percent")] public double CpuPercent { get; set; }
    [JsonPropertyName("memory_percent")] public double MemoryPercent { get; set; }
    [JsonPropertyName("working_set_bytes")] public long WorkingSetBytes { get; set; }
    [JsonPropertyName("gc_heap_bytes")] public long GcHeapBytes { get; set; }
    [JsonPropertyName("threads")] public int Threads { get; set; }
    [JsonPropertyName("uptime_seconds")] public double UptimeSeconds { get; set; }
}

internal sealed class CircuitBreakerReply
{
    [JsonPropertyName("circuit_breakers")] public List<CircuitBreakerState> CircuitBreakers { get; set; } = [];
}

internal sealed class CircuitBreakerState
{
    [JsonPropertyName("name")] public string Name { get; set; } = "";
    [JsonPropertyName("state")] public string State { get; set; } = "";
    [JsonPropertyName("failure_ratio")] public double FailureRatio { get; set; }
    [JsonPropertyName("minimum_throughput")] public int MinimumThroughput { get; set; }
    [JsonPropertyName("sampling_duration_seconds")] public double SamplingDurationSeconds { get; set; }
    [JsonPropertyName("break_duration_seconds")] public double BreakDurationSeconds { get; set; }
    [JsonPropertyName("last_failure_at"), JsonIgnore(Condition = JsonIgnoreCondition.Never)] public DateTimeOffset? LastFailureAt { get; set; }
    [JsonPropertyName("opened_count")] public long OpenedCount { get; set; }
}
