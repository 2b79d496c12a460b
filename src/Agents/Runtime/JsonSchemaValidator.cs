using System.Globalization;
using System.Text.Json;

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
