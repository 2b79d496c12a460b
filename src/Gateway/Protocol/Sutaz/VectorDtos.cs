using System.Text.Json;
using System.Text.Json.Serialization;

namespace SutazAi.Gateway.Protocol.Sutaz;

// /api/v1/vectors (seed 000 "vectors" router): collections, upserts (vectors given or embedded from text), search.

internal sealed class VectorCollectionCreate
{
    [JsonPropertyName("name")] public string? Name { get; set; }
    [JsonPropertyName("dimension")] public int? Dimension { get; set; }
    [JsonPropertyName("distance")] public string? Distance { get; set; }
}

internal sealed class VectorCollectionView
{
    [JsonPropertyName("name")] public required string Name { get; init; }
    [JsonPropertyName("dimension")] public int Dimension { get; init; }
    [JsonPropertyName("distance")] public required string Distance { get; init; }
    [JsonPropertyName("points_count")] public long PointsCount { get; init; }
    [JsonPropertyName("backend")] public required string Backend { get; init; }
}

internal sealed class VectorCollectionList
{
    [JsonPropertyName("collections")] public List<VectorCollectionView> Collections { get; init; } = [];
    [JsonPropertyName("backend")] public required string Backend { get; init; }
}

internal sealed class VectorUpsertRequest
{
    [JsonPropertyName("points")] public List<VectorPointInput>? Points { get; set; }
}

internal sealed class VectorPointInput
{
    /// <summary>A UUID or an unsigned integer; a new UUID when omitted.</summary>
    [JsonPropertyName("id")] public JsonElement? Id { get; set; }
    [JsonPropertyName("vector")] public float[]? Vector { get; set; }

    /// <summary>Embedded with the configured model when no vector is given; kept in the payload as "text".</summary>
    [JsonPropertyName("text")] public string? Text { get; set; }
    [JsonPropertyName("payload")] public Dictionary<string, JsonElement>? Payload { get; set; }
}

internal sealed class VectorUpsertReply
{
    [JsonPropertyName("upserted")] public int Upserted { get; init; }
    [JsonPropertyName("ids")] public List<string> Ids { get; init; } = [];
}

internal sealed class VectorSearchRequest
{
    [JsonPropertyName("vector")] public float[]? Vector { get; set; }
    [JsonPropertyName("text")] public string? Text { get; set; }
    [JsonPropertyName("top_k")] public int? TopK { get; set; }

    /// <summary>Payload key → value; every condition must hold (an array payload value matches when one element does).</summary>
    [JsonPropertyName("filter")] public Dictionary<string, JsonElement>? Filter { get; set; }
    [JsonPropertyName("score_threshold")] public double? ScoreThreshold { get; set; }
}

internal sealed class VectorSearchReply
{
    [JsonPropertyName("results")] public List<VectorMatchView> Results { get; init; } = [];
}

internal sealed class VectorMatchView
{
    [JsonPropertyName("id")] public required string Id { get; init; }
    [JsonPropertyName("score")] public double Score { get; init; }
    [JsonPropertyName("payload")] public required IReadOnlyDictionary<string, JsonElement> Payload { get; init; }
}

internal sealed class VectorDeleteRequest
{
    [JsonPropertyName("ids")] public List<JsonElement>? Ids { get; set; }
    [JsonPropertyName("filter")] public Dictionary<string, JsonElement>? Filter { get; set; }
}

internal sealed class VectorDeleteReply
{
    [JsonPropertyName("deleted")] public bool Deleted { get; init; }
}
