using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace SutazAi.TestKit;

/// <summary>A Qdrant point id: an unsigned integer or a UUID. Integers sort before UUIDs, as in Qdrant.</summary>
internal readonly record struct QdrantPointId(ulong? Number, Guid? Uuid)
{
    public static readonly IComparer<QdrantPointId> Order = Comparer<QdrantPointId>.Create(static (a, b) => a.CompareTo(b));

    public static QdrantPointId Parse(JsonNode? node)
    {
        if (node is JsonValue value && value.GetValueKind() == JsonValueKind.Number && value.TryGetValue<ulong>(out var number))
        {
            return new(number, null);
        }

        if (node is JsonValue text && text.GetValueKind() == JsonValueKind.String && Guid.TryParse(text.GetValue<string>(), out var uuid))
        {
            return new(null, uuid);
        }

        throw new InvalidDataException($"Wrong input: point id {node?.ToJsonString() ?? "null"} is neither an unsigned integer nor a UUID");
    }

    /// <summary>Parses an id from a URL segment (GET /collections/{name}/points/{id}).</summary>
    public static QdrantPointId Parse(string text) =>
        ulong.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var number) ? new(number, null) :
        Guid.TryParse(text, out var uuid) ? new(null, uuid) : throw new InvalidDataException($"Wrong input: Unable to parse UUID: {text}");

    public JsonNode ToJson() => Number is { } number ? JsonValue.Create(number) : JsonValue.Create(ToString());

    public int CompareTo(QdrantPointId other) => (Number, other.Number) switch
    {
        ({ } a, { } b) => a.CompareTo(b),
        (not null, null) => -1,
        (null, not null) => 1,
        _ => string.CompareOrdinal(ToString(), other.ToString()),
    };

    public override string ToString() => Number?.ToString(CultureInfo.InvariantCulture) ?? Uuid!.Value.ToString("D");
}
