using System.Text.Json;
using System.Text.Json.Serialization;

namespace SutazAi.Gateway.Protocol.Sutaz;

// /api/v1/documents (seed 000 "documents" router).

internal sealed class DocumentCreateRequest
{
    [JsonPropertyName("title")] public string? Title { get; set; }
    [JsonPropertyName("content")] public string? Content { get; set; }

    /// <summary>text/plain (default), text/markdown or text/html.</summary>
    [JsonPropertyName("content_type")] public string? ContentType { get; set; }
    [JsonPropertyName("metadata")] public JsonElement? Metadata { get; set; }
}

internal sealed class DocumentView
{
    [JsonPropertyName("document_id")] public required string DocumentId { get; init; }
    [JsonPropertyName("title")] public required string Title { get; init; }
    [JsonPropertyName("content_type")] public required string ContentType { get; init; }
    [JsonPropertyName("characters")] public int Characters { get; init; }
    [JsonPropertyName("chunks")] public int Chunks { get; init; }
    [JsonPropertyName("embedding_model")] public required string EmbeddingModel { get; init; }
    [JsonPropertyName("status")] public required string Status { get; init; }
    [JsonPropertyName("metadata")] public JsonElement? Metadata { get; init; }
    [JsonPropertyName("created_at")] public DateTimeOffset CreatedAt { get; init; }

    /// <summary>The extracted text; only in GET /documents/{id}.</summary>
    [JsonPropertyName("content")] public string? Content { get; init; }
}

internal sealed class DocumentPageView
{
    [JsonPropertyName("items")] public List<DocumentView> Items { get; init; } = [];
    [JsonPropertyName("total")] public long Total { get; init; }
    [JsonPropertyName("page")] public int Page { get; init; }
    [JsonPropertyName("per_page")] public int PerPage { get; init; }
    [JsonPropertyName("has_next")] public bool HasNext { get; init; }
    [JsonPropertyName("has_prev")] public bool HasPrev { get; init; }
}

internal sealed class DocumentSearchRequest
{
    [JsonPropertyName("query")] public string? Query { get; set; }
    [JsonPropertyName("top_k")] public int? TopK { get; set; }
    [JsonPropertyName("document_ids")] public List<string>? DocumentIds { get; set; }
    [JsonPropertyName("score_threshold")] public double? ScoreThreshold { get; set; }
}

internal sealed class DocumentSearchReply
{
    [JsonPropertyName("results")] public List<DocumentPassageView> Results { get; init; } = [];
}

internal sealed class DocumentPassageView
{
    [JsonPropertyName("document_id")] public required string DocumentId { get; init; }
    [JsonPropertyName("title")] public required string Title { get; init; }
    [JsonPropertyName("chunk_index")] public int ChunkIndex { get; init; }
    [JsonPropertyName("text")] public required string Text { get; init; }
    [JsonPropertyName("score")] public double Score { get; init; }
}

internal sealed class DeletedView
{
    [JsonPropertyName("deleted")] public bool Deleted { get; init; }
    [JsonPropertyName("id")] public required string Id { get; init; }
}
