using System.Text.Json;
using System.Text.Json.Serialization;

namespace SutazAi.Gateway.Protocol.Sutaz;

/// <summary>An agent as a client defines it (seed 003 "Enhanced Agent Management"); stored as this JSON document.</summary>
internal sealed class AgentDefinition
{
    [JsonPropertyName("name")] public string? Name { get; set; }
    [JsonPropertyName("description")] public string? Description { get; set; }
    [JsonPropertyName("agent_type")] public string? AgentType { get; set; }
    [JsonPropertyName("config")] public AgentConfig? Config { get; set; }
    [JsonPropertyName("metadata")] public Dictionary<string, JsonElement>? Metadata { get; set; }
}

internal sealed class AgentConfig
{
    [JsonPropertyName("model_name")] public string? ModelName { get; set; }
    [JsonPropertyName("temperature")] public double? Temperature { get; set; }
    [JsonPropertyName("max_tokens")] public int? MaxTokens { get; set; }
    [JsonPropertyName("system_prompt")] public string? SystemPrompt { get; set; }
    [JsonPropertyName("capabilities")] public List<string>? Capabilities { get; set; }
    [JsonPropertyName("autonomy_level")] public string? AutonomyLevel { get; set; }
    [JsonPropertyName("tools")] public List<string>? Tools { get; set; }
    [JsonPropertyName("max_iterations")] public int? MaxIterations { get; set; }
    [JsonPropertyName("timeout_seconds")] public int? TimeoutSeconds { get; set; }

    /// <summary>Tokens one run may spend over all its model calls (prompt plus completion); none when unset.</summary>
    [JsonPropertyName("token_budget")] public long? TokenBudget { get; set; }

    /// <summary>Persistent memory: recall the caller's earlier exchanges with this agent, and remember this one.</summary>
    [JsonPropertyName("memory_enabled")] public bool? MemoryEnabled { get; set; }
}

/// <summary>An agent as the API shows it: the definition plus identity, status, timestamps and its routes.</summary>
internal sealed class AgentView
{
    [JsonPropertyName("agent_id")] public string AgentId { get; set; } = "";
    [JsonPropertyName("name")] public string Name { get; set; } = "";
    [JsonPropertyName("description")] public string? Description { get; set; }
    [JsonPropertyName("agent_type")] public string AgentType { get; set; } = "";
    [JsonPropertyName("status")] public string Status { get; set; } = "active";
    [JsonPropertyName("config")] public AgentConfig Config { get; set; } = new();
    [JsonPropertyName("capabilities")] public List<string> Capabilities { get; set; } = [];
    [JsonPropertyName("metadata")] public Dictionary<string, JsonElement> Metadata { get; set; } = [];
    [JsonPropertyName("model")] public string Model { get; set; } = "";
    [JsonPropertyName("created_at")] public DateTimeOffset CreatedAt { get; set; }
    [JsonPropertyName("updated_at")] public DateTimeOffset UpdatedAt { get; set; }
    [JsonPropertyName("endpoints")] public Dictionary<string, string> Endpoints { get; set; } = [];
}

internal sealed class AgentPageView
{
    [JsonPropertyName("items")] public List<AgentView> Items { get; set; } = [];
    [JsonPropertyName("total")] public long Total { get; set; }
    [JsonPropertyName("page")] public int Page { get; set; }
    [JsonPropertyName("per_page")] public int PerPage { get; set; }
    [JsonPropertyName("has_next")] public bool HasNext { get; set; }
    [JsonPropertyName("has_prev")] public bool HasPrev { get; set; }
}

/// <summary>POST /api/v1/agents/{id}/invoke: one message, or a conversation.</summary>
internal sealed class AgentInvokeRequest
{
    [JsonPropertyName("message")] public string? Message { get; set; }
    [JsonPropertyName("messages")] public List<SutazMessage>? Messages { get; set; }
}

internal sealed class SutazMessage
{
    [JsonPropertyName("role")] public string? Role { get; set; }
    [JsonPropertyName("content")] public string? Content { get; set; }
}

internal sealed class AgentInvokeReply
{
    [JsonPropertyName("agent_id")] public string AgentId { get; set; } = "";
    [JsonPropertyName("response")] public string Response { get; set; } = "";
    [JsonPropertyName("model")] public string Model { get; set; } = "";
    [JsonPropertyName("tool_calls")] public List<AgentToolCallView> ToolCalls { get; set; } = [];
    [JsonPropertyName("iterations")] public int Iterations { get; set; }
    [JsonPropertyName("tokens_used")] public long TokensUsed { get; set; }
    [JsonPropertyName("duration_ms")] public double DurationMs { get; set; }
}

internal sealed class AgentToolCallView
{
    [JsonPropertyName("id")] public string Id { get; set; } = "";
    [JsonPropertyName("name")] public string Name { get; set; } = "";
    [JsonPropertyName("arguments")] public JsonElement Arguments { get; set; }
    [JsonPropertyName("result"), JsonIgnore(Condition = JsonIgnoreCondition.Never)] public string? Result { get; set; }
    [JsonPropertyName("error")] public bool Error { get; set; }
}

internal sealed class AgentHealthView
{
    [JsonPropertyName("agent_id")] public string AgentId { get; set; } = "";
    [JsonPropertyName("status")] public string Status { get; set; } = "";
    [JsonPropertyName("model")] public string Model { get; set; } = "";
    [JsonPropertyName("model_available")] public bool ModelAvailable { get; set; }
    [JsonPropertyName("tools")] public Dictionary<string, bool> Tools { get; set; } = [];
}

/// <summary>POST /api/v1/agents/{id}/execute (seed 003).</summary>
internal sealed class AgentExecuteRequest
{
    [JsonPropertyName("task")] public string? Task { get; set; }
    [JsonPropertyName("context")] public JsonElement? Context { get; set; }
    [JsonPropertyName("execution_mode")] public string? ExecutionMode { get; set; }
    [JsonPropertyName("streaming")] public bool? Streaming { get; set; }
    [JsonPropertyName("checkpoint_enabled")] public bool? CheckpointEnabled { get; set; }
}

internal sealed class AgentExecutionView
{
    [JsonPropertyName("execution_id")] public string ExecutionId { get; set; } = "";
    [JsonPropertyName("agent_id")] public string AgentId { get; set; } = "";
    [JsonPropertyName("status")] public string Status { get; set; } = "";
    [JsonPropertyName("progress")] public int Progress { get; set; }
    [JsonPropertyName("attempts")] public int Attempts { get; set; }
    [JsonPropertyName("result"), JsonIgnore(Condition = JsonIgnoreCondition.Never)] public JsonElement? Result { get; set; }
    [JsonPropertyName("error"), JsonIgnore(Condition = JsonIgnoreCondition.Never)] public string? Error { get; set; }
    [JsonPropertyName("created_at")] public DateTimeOffset CreatedAt { get; set; }
    [JsonPropertyName("updated_at")] public DateTimeOffset UpdatedAt { get; set; }
    [JsonPropertyName("completed_at")] public DateTimeOffset? CompletedAt { get; set; }
    [JsonPropertyName("monitoring")] public Dictionary<string, string> Monitoring { get; set; } = [];
}

/// <summary>One event of an execution's stream (seed 003 types: status, progress, tool_call, tool_result, reasoning, completion, error).</summary>
internal sealed class AgentStreamEvent
{
    [JsonPropertyName("type")] public string Type { get; set; } = "";
    [JsonPropertyName("execution_id")] public string ExecutionId { get; set; } = "";
    [JsonPropertyName("sequence")] public int Sequence { get; set; }
    [JsonPropertyName("data"), JsonIgnore(Condition = JsonIgnoreCondition.Never)] public JsonElement? Data { get; set; }
    [JsonPropertyName("timestamp")] public DateTimeOffset Timestamp { get; set; }
}

/// <summary>GET /api/v1/agents/{id}/state: what the agent is doing now, its executions by status, and its memory.</summary>
internal sealed class AgentStateView
{
    [JsonPropertyName("agent_id")] public string AgentId { get; set; } = "";
    [JsonPropertyName("name")] public string Name { get; set; } = "";

    /// <summary>"busy" while an execution runs, "queued" while one waits, else "idle".</summary>
    [JsonPropertyName("state")] public string State { get; set; } = "";
    [JsonPropertyName("model")] public string Model { get; set; } = "";
    [JsonPropertyName("tools")] public List<string> Tools { get; set; } = [];
    [JsonPropertyName("executions")] public Dictionary<string, long> Executions { get; set; } = [];
    [JsonPropertyName("active_executions")] public List<string> ActiveExecutions { get; set; } = [];
    [JsonPropertyName("last_execution")] public AgentExecutionView? LastExecution { get; set; }
    [JsonPropertyName("memory")] public AgentMemoryState Memory { get; set; } = new();
    [JsonPropertyName("updated_at")] public DateTimeOffset UpdatedAt { get; set; }
}

internal sealed class AgentMemoryState
{
    [JsonPropertyName("enabled")] public bool Enabled { get; set; }

    /// <summary>The caller's memories of this agent (memory_save and persistent memory).</summary>
    [JsonPropertyName("items")] public long Items { get; set; }
}
