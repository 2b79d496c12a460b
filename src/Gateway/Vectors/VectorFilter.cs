using System.Text.Json;

namespace SutazAi.Gateway.Vectors;

/// <summary>
/// Payload conditions that must all hold: the payload value at each key equals the given value (strings, integers and
/// booleans, compared by JSON value), or, when the payload value is an array, one of its elements does. The same
/// meaning as a Qdrant filter of <c>must</c> / <c>match.value</c> conditions, which is what the Qdrant store sends.
/// </summary>
internal sealed class VectorFilter
{
    public static readonly VectorFilter None = new([]);

    public VectorFilter(IReadOnlyList<KeyValuePair<string, JsonElement>> must)
    {
        Must = must;
    }

    public IReadOnlyList<KeyValuePair<string, JsonElement>> Must { get; }

    public bool IsEmpty => Must.Count == 0;

    public static VectorFilter Of(params (string Key, string Value)[] conditions) =>
        new([.. conditions.Select(c => new KeyValuePair<string, JsonElement>(c.Key, JsonSerializer.SerializeToElement(c.Value, VectorJson.Default.String)))]);

    public VectorFilter And(VectorFilter other) => new([.. Must, .. other.Must]);

    /// <summary>Whether a payload satisfies every condition.</summary>
    public bool Matches(IReadOnlyDictionary<string, JsonElement> payload)
    {
        foreach (var (key, expected) in Must)
        {
            if (!payload.TryGetValue(key, out var actual) || !ValueMatches(actual, expected))
            {
                return false;
            }
        }

        return true;
    }

    private static bool ValueMatches(JsonElement actual, JsonElement expected)
    {
        if (actual.ValueKind == JsonValueKind.Array)
        {
            foreach (var item in actual.EnumerateArray())
            {
                if (ScalarEquals(item, expected))
                {
                    return true;
                }
            }

            return false;
        }

        return ScalarEquals(actual, expected);
    }

    private static bool ScalarEquals(JsonElement actual, JsonElement expected) => (actual.ValueKind, expected.ValueKind) switch
    {
        (JsonValueKind.String, JsonValueKind.String) => actual.ValueEquals(expected.GetString()),
        (JsonValueKind.Number, JsonValueKind.Number) => actual.TryGetInt64(out var a) && expected.TryGetInt64(out var b) && a == b,
        (JsonValueKind.True or JsonValueKind.False, JsonValueKind.True or JsonValueKind.False) => actual.ValueKind == expected.ValueKind,
        _ => false,
    };
}
