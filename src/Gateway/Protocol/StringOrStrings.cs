using System.Text.Json;
using System.Text.Json.Serialization;

namespace SutazAi.Gateway.Protocol;

/// <summary>
/// A field that is a string or an array of strings (embedding input, stop). Reading every string through the
/// reader validates its UTF-8 and surrogates, which a raw JsonElement would carry through unchecked.
/// </summary>
[JsonConverter(typeof(StringOrStringsConverter))]
internal sealed class StringOrStrings
{
    public required List<string> Values { get; init; }

    /// <summary>Whether the client sent a single string (kept so the upstream gets the same shape).</summary>
    public bool Single { get; init; }
}

internal sealed class StringOrStringsConverter : JsonConverter<StringOrStrings>
{
    public override StringOrStrings? Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        if (reader.TokenType == JsonTokenType.String)
        {
            return new StringOrStrings { Values = [reader.GetString()!], Single = true };
        }

        if (reader.TokenType != JsonTokenType.StartArray)
        {
            throw new JsonException("expected a string or an array of strings");
        }

        var values = new List<string>();
        while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
        {
            values.Add(reader.TokenType == JsonTokenType.String ? reader.GetString()! : throw new JsonException("expected a string or an array of strings"));
        }

        return new StringOrStrings { Values = values };
    }

    public override void Write(Utf8JsonWriter writer, StringOrStrings value, JsonSerializerOptions options)
    {
        if (value.Single && value.Values.Count == 1)
        {
            writer.WriteStringValue(value.Values[0]);
            return;
        }

        writer.WriteStartArray();
        foreach (var s in value.Values)
        {
            writer.WriteStringValue(s);
        }

        writer.WriteEndArray();
    }
}
