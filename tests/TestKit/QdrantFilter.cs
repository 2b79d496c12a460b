using System.Text.Json;
using System.Text.Json.Nodes;

namespace SutazAi.TestKit;

/// <summary>
/// Evaluates a Qdrant filter on one point. Supported: must / should / must_not (a condition or an array), min_should,
/// nested filters, has_id, is_empty / is_null (both spellings), and field conditions with match value / any / except /
/// text (substring) and numeric range. Keys are dotted paths ("a.b", "a[].b"); arrays on the way are flattened and a
/// condition holds when any value holds (Qdrant's semantics). An empty should array matches nothing (Qdrant #554).
/// Every condition is evaluated (no short-circuit), so anything unsupported throws NotSupportedException even when
/// the collection is empty.
/// </summary>
internal static class QdrantFilter
{
    private static readonly string[] Clauses = ["must", "should", "must_not", "min_should"];
    private static readonly QdrantPoint Probe = new(new QdrantPointId(0, null), [], []);

    /// <summary>Throws NotSupportedException when the filter uses something this fake does not implement.</summary>
    public static void EnsureSupported(JsonNode? filter) => Matches(filter, Probe);

    public static bool Matches(JsonNode? filter, QdrantPoint point)
    {
        if (filter is not JsonObject clauses)
        {
            return true;
        }

        var must = Evaluate(clauses["must"], point);
        var should = clauses["should"] is null ? null : Evaluate(clauses["should"], point);
        var mustNot = Evaluate(clauses["must_not"], point);
        var minShould = true;
        if (clauses["min_should"] is JsonObject min)
        {
            minShould = Evaluate(min["conditions"], point).Count(m => m) >= min["min_count"]!.GetValue<int>();
        }

        return must.All(m => m) && (should is null || should.Contains(true)) && !mustNot.Contains(true) && minShould;
    }

    private static List<bool> Evaluate(JsonNode? conditions, QdrantPoint point) => conditions switch
    {
        null => [],
        JsonArray array => [.. array.Select(c => Condition(c, point))],
        _ => [Condition(conditions, point)],
    };

    private static bool Condition(JsonNode? condition, QdrantPoint point)
    {
        if (condition is not JsonObject c)
        {
            throw new NotSupportedException($"filter condition {condition?.ToJsonString()}");
        }

        if (c["key"] is null)
        {
            return c switch
            {
                _ when c["has_id"] is JsonArray ids => ids.Select(QdrantPointId.Parse).Contains(point.Id),
                _ when c["is_empty"] is JsonObject e => IsEmpty(Values(point.Payload, e["key"]!.GetValue<string>())),
                _ when c["is_null"] is JsonObject n => IsNull(Values(point.Payload, n["key"]!.GetValue<string>())),
                _ when c.Count > 0 && c.All(p => Clauses.Contains(p.Key)) => Matches(c, point),
                _ => throw new NotSupportedException($"filter condition {c.ToJsonString()}"),
            };
        }

        var values = Values(point.Payload, c["key"]!.GetValue<string>());
        var checks = c.Where(p => p.Key != "key" && p.Value is not null && p.Value.GetValueKind() != JsonValueKind.False).Select(p => p.Key switch
        {
            "match" => Match(p.Value!.AsObject(), values),
            "range" => Range(p.Value!.AsObject(), values),
            "is_empty" => IsEmpty(values), // {"key": k, "is_empty": true}
            "is_null" => IsNull(values),
            _ => throw new NotSupportedException($"field condition '{p.Key}' in {c.ToJsonString()}"),
        }).ToList();
        return checks.Count == 0
            ? throw new InvalidDataException($"Wrong input: field condition {c.ToJsonString()} has no condition besides the key")
            : checks.All(x => x);
    }

    private static bool Match(JsonObject match, List<JsonNode?> values)
    {
        if (match.TryGetPropertyValue("value", out var expected))
        {
            return values.Any(v => ScalarEquals(v, expected));
        }

        if (match["any"] is JsonArray any)
        {
            return values.Any(v => any.Any(a => ScalarEquals(v, a)));
        }

        if (match["except"] is JsonArray except)
        {
            // Assumed (not verified against a live Qdrant): a point without the field satisfies "except".
            return values.Count == 0 || values.Any(v => !except.Any(a => ScalarEquals(v, a)));
        }

        if (match["text"] is JsonValue text)
        {
            return values.Any(v => v?.GetValueKind() == JsonValueKind.String &&
                v.GetValue<string>().Contains(text.GetValue<string>(), StringComparison.Ordinal));
        }

        throw new NotSupportedException($"match {match.ToJsonString()}");
    }

    private static bool Range(JsonObject range, List<JsonNode?> values)
    {
        var bounds = range.Where(b => b.Value is not null).ToList();
        if (bounds.Any(b => b.Value!.GetValueKind() != JsonValueKind.Number))
        {
            throw new NotSupportedException($"range {range.ToJsonString()} (datetime ranges)");
        }

        return values.Any(v => v?.GetValueKind() == JsonValueKind.Number && bounds.All(b =>
        {
            var (x, bound) = (v.GetValue<double>(), b.Value!.GetValue<double>());
            return b.Key switch
            {
                "gt" => x > bound,
                "gte" => x >= bound,
                "lt" => x < bound,
                "lte" => x <= bound,
                _ => throw new NotSupportedException($"range bound '{b.Key}'"),
            };
        }));
    }

    private static bool IsEmpty(List<JsonNode?> values) => values.All(v => v is null);

    private static bool IsNull(List<JsonNode?> values) => values.Any(v => v is null);

    private static bool ScalarEquals(JsonNode? actual, JsonNode? expected) =>
        (actual?.GetValueKind(), expected?.GetValueKind()) switch
        {
            (JsonValueKind.String, JsonValueKind.String) => actual!.GetValue<string>() == expected!.GetValue<string>(),
            (JsonValueKind.Number, JsonValueKind.Number) =>
                actual!.AsValue().TryGetValue<long>(out var a) && expected!.AsValue().TryGetValue<long>(out var b) && a == b,
            (JsonValueKind.True or JsonValueKind.False, JsonValueKind.True or JsonValueKind.False) =>
                actual!.GetValueKind() == expected!.GetValueKind(),
            _ => false,
        };

    /// <summary>All values at a dotted key; arrays met on the way and at the end are flattened. null stands for JSON null.</summary>
    private static List<JsonNode?> Values(JsonObject payload, string key)
    {
        IEnumerable<JsonNode?> current = [payload];
        foreach (var segment in key.Split('.'))
        {
            var name = segment.EndsWith("[]", StringComparison.Ordinal) ? segment[..^2] : segment;
            current = [.. Flatten(current).OfType<JsonObject>().Where(o => o.ContainsKey(name)).Select(o => o[name])];
        }

        return [.. Flatten(current)];
    }

    private static IEnumerable<JsonNode?> Flatten(IEnumerable<JsonNode?> nodes) =>
        nodes.SelectMany(n => n is JsonArray array ? array.AsEnumerable() : [n]);
}
