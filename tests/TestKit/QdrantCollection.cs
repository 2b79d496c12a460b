using System.Text.Json.Nodes;

namespace SutazAi.TestKit;

/// <summary>One in-memory collection with a single unnamed dense vector. Not thread-safe: FakeQdrant locks around it.</summary>
internal sealed class QdrantCollection(int size, string distance)
{
    public int Size => size;

    public string Distance => distance;

    /// <summary>Points by id, in Qdrant's id order (integers numerically, then UUIDs).</summary>
    public SortedDictionary<QdrantPointId, QdrantPoint> Points { get; } = new(QdrantPointId.Order);

    /// <summary>field_name → field_schema as sent to PUT /collections/{name}/index.</summary>
    public Dictionary<string, JsonNode?> PayloadIndexes { get; } = new(StringComparer.Ordinal);

    /// <summary>Cosine and Dot: a higher score is closer. Euclid and Manhattan: the score is a distance, lower is closer.</summary>
    public bool HigherIsBetter => distance is "Cosine" or "Dot";

    /// <summary>Checks the dimension (Qdrant's error text) and normalises for Cosine.</summary>
    public float[] Prepare(JsonNode? vector)
    {
        if (vector is JsonObject)
        {
            throw new NotSupportedException("named vectors ({\"name\": [...]}) in a point or query");
        }

        if (vector is not JsonArray array || array.Any(v => v is not JsonValue))
        {
            throw new NotSupportedException($"vector {vector?.ToJsonString()} (only a plain dense float array is supported)");
        }

        if (array.Count != size)
        {
            throw new InvalidDataException($"Wrong input: Vector dimension error: expected dim: {size}, got {array.Count}");
        }

        var values = array.Select(v => v!.GetValue<float>()).ToArray();
        if (distance != "Cosine")
        {
            return values;
        }

        var norm = MathF.Sqrt(values.Sum(v => v * v));
        return norm == 0 ? values : values.Select(v => v / norm).ToArray();
    }

    public double Score(float[] stored, float[] query) => distance switch
    {
        "Euclid" => Math.Sqrt(stored.Zip(query, (a, b) => (double)(a - b) * (a - b)).Sum()),
        "Manhattan" => stored.Zip(query, (a, b) => (double)Math.Abs(a - b)).Sum(),
        _ => stored.Zip(query, (a, b) => (double)a * b).Sum(), // Cosine: both sides are normalised, so the dot product
    };
}
