using System.Text.Json;
using System.Text.Json.Serialization;

namespace SutazAi.Gateway.Protocol.Sutaz;

/// <summary>POST /api/v1/tasks (seed spec §3.2). priority: 0–10 (higher first) or low/normal/high/critical.</summary>
internal sealed class TaskCreateRequest
{
    [JsonPropertyName("task_type")] public string? TaskType { get; set; }
    [JsonPropertyName("payload")] public JsonElement? Payload { get; set; }
    [JsonPropertyName("priority")] public JsonElement? Priority { get; set; }
}

internal sealed class TaskCreated
{
    [JsonPropertyName("task_id")] public string TaskId { get; set; } = "";
    [JsonPropertyName("status")] public string Status { get; set; } = "";
    [JsonPropertyName("estimated_completion"), JsonIgnore(Condition = JsonIgnoreCondition.Never)] public DateTimeOffset? EstimatedCompletion { get; set; }
}

internal sealed class TaskView
{
    [JsonPropertyName("task_id")] public string TaskId { get; set; } = "";
    [JsonPropertyName("task_type")] public string TaskType { get; set; } = "";
    [JsonPropertyName("status")] public string Status { get; set; } = "";
    [JsonPropertyName("priority")] public int Priority { get; set; }
    [JsonPropertyName("attempts")] public int Attempts { get; set; }
    [JsonPropertyName("max_attempts")] public int MaxAttempts { get; set; }
    [JsonPropertyName("cancel_requested")] public bool CancelRequested { get; set; }
    [JsonPropertyName("error"), JsonIgnore(Condition = JsonIgnoreCondition.Never)] public string? Error { get; set; }
    [JsonPropertyName("created_at")] public DateTimeOffset CreatedAt { get; set; }
    [JsonPropertyName("updated_at")] public DateTimeOffset UpdatedAt { get; set; }
    [JsonPropertyName("completed_at"), JsonIgnore(Condition = JsonIgnoreCondition.Never)] public DateTimeOffset? CompletedAt { get; set; }
}

internal sealed class TaskResultView
{
    [JsonPropertyName("task_id")] public string TaskId { get; set; } = "";
    [JsonPropertyName("status")] public string Status { get; set; } = "";
    [JsonPropertyName("result"), JsonIgnore(Condition = JsonIgnoreCondition.Never)] public JsonElement? Result { get; set; }
    [JsonPropertyName("error"), JsonIgnore(Condition = JsonIgnoreCondition.Never)] public string? Error { get; set; }
}

/// <summary>The seed spec's pagination schema (§6.3).</summary>
internal sealed class TaskPageView
{
    [JsonPropertyName("items")] public List<TaskView> Items { get; set; } = [];
    [JsonPropertyName("total")] public long Total { get; set; }
    [JsonPropertyName("page")] public int Page { get; set; }
    [JsonPropertyName("per_page")] public int PerPage { get; set; }
    [JsonPropertyName("has_next")] public bool HasNext { get; set; }
    [JsonPropertyName("has_prev")] public bool HasPrev { get; set; }
}

/// <summary>One event of GET /api/v1/tasks/{id}/events (SSE data; the SSE id is seq, the SSE event name is type).</summary>
internal sealed class TaskEventView
{
    [JsonPropertyName("task_id")] public string TaskId { get; set; } = "";
    [JsonPropertyName("seq")] public int Seq { get; set; }
    [JsonPropertyName("type")] public string Type { get; set; } = "";
    [JsonPropertyName("data"), JsonIgnore(Condition = JsonIgnoreCondition.Never)] public JsonElement? Data { get; set; }
    [JsonPropertyName("created_at")] public DateTimeOffset CreatedAt { get; set; }
}

/// <summary>A /ws/tasks client message.</summary>
internal sealed class TaskSubscribeMessage
{
    [JsonPropertyName("action")] public string? Action { get; set; }
    [JsonPropertyName("task_id")] public string? TaskId { get; set; }
}

/// <summary>A /ws/tasks error message.</summary>
internal sealed class SocketError
{
    [JsonPropertyName("type")] public string Type { get; set; } = "error";
    [JsonPropertyName("error")] public EnvelopeError Error { get; set; } = new();
}
