using System.Text.Json;
using System.Text.Json.Serialization;

namespace SutazAi.Gateway.Protocol.Qdrant;

// Request and answer shapes of Qdrant's REST API (../shared/specs/qdrant-openapi.json) that the gateway uses.

internal sealed class QdrantCreateCollection
{
    [JsonPropertyName("vectors")] public required QdrantVectorParams Vectors { get; init; }
}

internal sealed class QdrantVectorParams
{
    [JsonPropertyName("size")] public int Size { get; init; }
    [JsonPropertyName("distance")] public required string Distance { get; init; }
}

internal sealed class QdrantCreateFieldIndex
{
    [JsonPropertyName("field_name")] public required string FieldName { get; init; }
    [JsonPropertyName("field_schema")] public required string FieldSchema { get; init; }
}

internal sealed class QdrantUpsert
{
    [JsonPropertyName("points")] public required List<QdrantPoint> Points { get; init; }
}

internal sealed class QdrantPoint
{
    [JsonPropertyName("id")] public required JsonElement Id { get; init; }
    [JsonPropertyName("vector")] public required float[] Vector { get; init; }
    [JsonPropertyName("payload")] public required IReadOnlyDictionary<string, JsonElement> Payload { get; init; }
}

internal sealed class QdrantFilter
{
    [JsonPropertyName("must")] public required List<QdrantCondition> Must { get; init; }
}

internal sealed class QdrantCondition
{
    [JsonPropertyName("key")] public required string Key { get; init; }
    [JsonPropertyName("match")] public required QdrantMatch Match { get; init; }
}

internal sealed class QdrantMatch
{
    [JsonPropertyName("value")] public required JsonElement Value { get; init; }
}

internal sealed class QdrantQuery
{
    [JsonPropertyName("query")] public required float[] Query { get; init; }
    [JsonPropertyName("filter")] public QdrantFilter? Filter { get; init; }
    [JsonPropertyName("limit")] public int Limit { get; init; }
    [JsonPropertyName("with_payload")] public bool WithPayload { get; init; } = true;
    [JsonPropertyName("score_threshold")] public float? ScoreThreshold { get; init; }
}

internal sealed class QdrantPointsSelector
{
    [JsonPropertyName("points")] public List<JsonElement>? Points { get; init; }
    [JsonPropertyName("filter")] public QdrantFilter? Filter { get; init; }
}

internal sealed class QdrantCount
{
    [JsonPropertyName("filter")] public QdrantFilter? Filter { get; init; }
    [JsonPropertyName("exact")] public bool Exact { get; init; } = true;
}

/// <summary>Every Qdrant answer: <c>{"result": ..., "status": "ok", "time": s}</c>, or <c>{"status": {"error": "..."}}</c>.</summary>
internal sealed class QdrantAnswer<T>
{
    [JsonPropertyName("result")] public T? Result { get; init; }
    [JsonPropertyName("status")] public JsonElement Status { get; init; }
}

internal sealed class QdrantCollections
{
    [JsonPropertyName("collections")] public List<QdrantCollectionName> Collections { get; init; } = [];
}

internal sealed class QdrantCollectionName
{
    [JsonPropertyName("name")] public required string Name { get; init; }
}

internal sealed class QdrantCollectionInfo
{
    [JsonPropertyName("points_count")] public long? PointsCount { get; init; }
    [JsonPropertyName("config")] public QdrantCollectionConfig? Config { get; init; }
}

internal sealed class QdrantCollectionConfig
{
    [JsonPropertyName("params")] public QdrantCollectionParams? Params { get; init; }
}

internal sealed class QdrantCollectionParams
{
    // A single unnamed vector is {size, distance}; named vectors are a map (not created by the gateway).
    [JsonPropertyName("vectors")] public JsonElement Vectors { get; init; }
}

internal sealed class QdrantQueryResult
{
    [JsonPropertyName("points")] public List<QdrantScoredPoint> Points { get; init; } = [];
}

internal sealed class QdrantScoredPoint
{
    [JsonPropertyName("id")] public JsonElement Id { get; init; }
    [JsonPropertyName("score")] public double Score { get; init; }
    [JsonPropertyName("payload")] public Dictionary<string, JsonElement>? Payload { get; init; }
}

internal sealed class QdrantCountResult
{
    [JsonPropertyName("count")] public long Count { get; init; }
}
