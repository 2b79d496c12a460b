using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace SutazAi.Agents.Runtime;

/// <summary>
/// Checks tool arguments against the tool's JSON schema before the tool runs, so a model's malformed call is answered
/// with what is wrong (and the model can correct it) instead of reaching the tool. Covers the subset of JSON Schema
/// that tool schemas use: type (one or a list), properties, required, additionalProperties: false, enum, const,
/// items, minimum/maximum, minLength/maxLength, minItems/maxItems, anyOf/oneOf (as "any of").
/// </summary>
public static class JsonSchemaValidator
{
    private const int MaxDepth = 32;

    /// <summary>
    /// The value with the loose forms models often produce turned into the schema's types: numeric strings where a
    /// number or integer is expected, 3.0 where an integer is, "true"/"false" where a boolean is. Anything else is
    /// left for <see cref="Validate"/> to report.
    /// </summary>
    public static JsonElement Coerce(JsonElement schema, JsonElement value)
    {
        using var document = JsonDocument.Parse(CoerceNode(schema, JsonNode.Parse(value.GetRawText()), 0)?.ToJsonString() ?? "null");
        return document.RootElement.Clone();
    }

    private static JsonNode? CoerceNode(JsonElement schema, JsonNode? value, int depth)
    {
        if (schema.ValueKind != JsonValueKind.Object || depth > MaxDepth || value is null)
        {
            return value;
        }

        var wants = schema.TryGetProperty("type", out var type) ? Types(type) : [];
        switch (value)
        {
            case JsonObject obj when schema.TryGetProperty("properties", out var properties) && properties.ValueKind == JsonValueKind.Object:
                foreach (var name in obj.Select(p => p.Key).ToList())
                {
                    if (properties.TryGetProperty(name, out var propertySchema))
                    {
                        obj[name] = CoerceNode(propertySchema, obj[name]?.DeepClone(), depth + 1);
                    }
                }

                return obj;
            case JsonArray array when schema.TryGetProperty("items", out var items):
                for (var i = 0; i < array.Count; i++)
                {
                    array[i] = CoerceNode(items, array[i]?.DeepClone(), depth + 1);
                }

                return array;
            case JsonValue scalar when scalar.TryGetValue<string>(out var text):
                if ((wants.Contains("integer") || wants.Contains("number")) && !wants.Contains("string")
                    && double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var parsed) && double.IsFinite(parsed))
                {
                    return Number(parsed, wants);
                }

                if (wants.Contains("boolean") && !wants.Contains("string") && bool.TryParse(text, out var flag))
                {
                    return JsonValue.Create(flag);
                }

                return scalar;
            case JsonValue number when wants.Contains("integer") && !wants.Contains("number") && number.TryGetValue<double>(out var d):
                return Number(d, wants);
            default:
                return value;
        }
    }

    private static JsonValue Number(double value, HashSet<string> wants) =>
        wants.Contains("integer") && Math.Floor(value) == value && Math.Abs(value) < 9e15 ? JsonValue.Create((long)value) : JsonValue.Create(value);

    private static HashSet<string> Types(JsonElement type) => type.ValueKind switch
    {
        JsonValueKind.String => [type.GetString()!],
        JsonValueKind.Array => [.. type.EnumerateArray().Where(t => t.ValueKind == JsonValueKind.String).Select(t => t.GetString()!)],
        _ => [],
    };

    /// <summary>The violations, each as "$.path: what is wrong"; empty when the value is valid.</summary>
    public static IReadOnlyList<string> Validate(JsonElement schema, JsonElement value)
    {
        var errors = new List<string>();
        Check(schema, value, "$", errors, 0);
        return errors;
    }

    private static void Check(JsonElement schema, JsonElement value, string path, List<string> errors, int depth)
    {
        if (schema.ValueKind != JsonValueKind.Object || depth > MaxDepth)
        {
            return;
        }

        if (schema.TryGetProperty("type", out var type) && !TypeMatches(type, value))
        {
            errors.Add($"{path}: expected {TypeText(type)}, got {Kind(value)}");
            return;
        }

        if (schema.TryGetProperty("enum", out var options) && options.ValueKind == JsonValueKind.Array
            && !options.EnumerateArray().Any(o => JsonElement.DeepEquals(o, value)))
        {
            errors.Add($"{path}: must be one of {options.GetRawText()}");
        }

        if (schema.TryGetProperty("const", out var constant) && !JsonElement.DeepEquals(constant, value))
        {
            errors.Add($"{path}: must be {constant.GetRawText()}");
        }

        foreach (var keyword in (ReadOnlySpan<string>)["anyOf", "oneOf"])
        {
            if (schema.TryGetProperty(keyword, out var alternatives) && alternatives.ValueKind == JsonValueKind.Array
                && !alternatives.EnumerateArray().Any(a => Validate(a, value).Count == 0))
            {
                errors.Add($"{path}: matches none of the allowed forms");
            }
        }

        switch (value.ValueKind)
        {
            case JsonValueKind.Object:
                CheckObject(schema, value, path, errors, depth);
                break;
            case JsonValueKind.Array:
                CheckArray(schema, value, path, errors, depth);
                break;
            case JsonValueKind.Number:
                var number = value.GetDouble();
                if (schema.TryGetProperty("minimum", out var min) && min.ValueKind == JsonValueKind.Number && number < min.GetDouble())
                {
                    errors.Add($"{path}: must be at least {min.GetRawText()}");
                }

                if (schema.TryGetProperty("maximum", out var max) && max.ValueKind == JsonValueKind.Number && number > max.GetDouble())
                {
                    errors.Add($"{path}: must be at most {max.GetRawText()}");
                }

                break;
            case JsonValueKind.String:
                var length = value.GetString()!.Length;
                if (schema.TryGetProperty("minLength", out var minLength) && minLength.TryGetInt32(out var least) && length < least)
                {
                    errors.Add($"{path}: must have at least {least} characters");
                }

                if (schema.TryGetProperty("maxLength", out var maxLength) && maxLength.TryGetInt32(out var most) && length > most)
                {
                    errors.Add($"{path}: must have at most {most} characters");
                }

                break;
        }
    }

    private static void CheckObject(JsonElement schema, JsonElement value, string path, List<string> errors, int depth)
    {
        var properties = schema.TryGetProperty("properties", out var p) && p.ValueKind == JsonValueKind.Object ? p : default;
        if (schema.TryGetProperty("required", out var required) && required.ValueKind == JsonValueKind.Array)
        {
            foreach (var name in required.EnumerateArray().Where(n => n.ValueKind == JsonValueKind.String).Select(n => n.GetString()!))
            {
                if (!value.TryGetProperty(name, out _))
                {
                    errors.Add($"{path}.{name}: is required");
                }
            }
        }

        var closed = schema.TryGetProperty("additionalProperties", out var additional) && additional.ValueKind == JsonValueKind.False;
        foreach (var property in value.EnumerateObject())
        {
            if (properties.ValueKind == JsonValueKind.Object && properties.TryGetProperty(property.Name, out var propertySchema))
            {
                Check(propertySchema, property.Value, $"{path}.{property.Name}", errors, depth + 1);
            }
            else if (closed)
            {
                errors.Add($"{path}.{property.Name}: is not an allowed property");
            }
        }
    }

    private static void CheckArray(JsonElement schema, JsonElement value, string path, List<string> errors, int depth)
    {
        var count = value.GetArrayLength();
        if (schema.TryGetProperty("minItems", out var minItems) && minItems.TryGetInt32(out var least) && count < least)
        {
            errors.Add($"{path}: must have at least {least} items");
        }

        if (schema.TryGetProperty("maxItems", out var maxItems) && maxItems.TryGetInt32(out var most) && count > most)
        {
            errors.Add($"{path}: must have at most {most} items");
        }

        if (schema.TryGetProperty("items", out var items) && items.ValueKind == JsonValueKind.Object)
        {
            var i = 0;
            foreach (var item in value.EnumerateArray())
            {
                Check(items, item, $"{path}[{i.ToString(CultureInfo.InvariantCulture)}]", errors, depth + 1);
                i++;
            }
        }
    }

    private static bool TypeMatches(JsonElement type, JsonElement value) => type.ValueKind switch
    {
        JsonValueKind.String => Is(type.GetString()!, value),
        JsonValueKind.Array => type.EnumerateArray().Any(t => t.ValueKind == JsonValueKind.String && Is(t.GetString()!, value)),
        _ => true,
    };

    private static bool Is(string type, JsonElement value) => type switch
    {
        "object" => value.ValueKind == JsonValueKind.Object,
        "array" => value.ValueKind == JsonValueKind.Array,
        "string" => value.ValueKind == JsonValueKind.String,
        "boolean" => value.ValueKind is JsonValueKind.True or JsonValueKind.False,
        "null" => value.ValueKind == JsonValueKind.Null,
        "number" => value.ValueKind == JsonValueKind.Number,
        "integer" => value.ValueKind == JsonValueKind.Number && IsInteger(value),
        _ => true,
    };

    private static bool IsInteger(JsonElement value) => value.TryGetInt64(out _) || (value.TryGetDouble(out var d) && Math.Floor(d) == d && !double.IsInfinity(d));

    private static string TypeText(JsonElement type) =>
        type.ValueKind == JsonValueKind.Array ? string.Join(" or ", type.EnumerateArray().Select(t => t.GetString())) : type.GetString() ?? "?";

    private static string Kind(JsonElement value) => value.ValueKind switch
    {
        JsonValueKind.Object => "object",
        JsonValueKind.Array => "array",
        JsonValueKind.String => "string",
        JsonValueKind.Number => IsInteger(value) ? "integer" : "number",
        JsonValueKind.True or JsonValueKind.False => "boolean",
        JsonValueKind.Null => "null",
        _ => "nothing",
    };
}
