using System.Text.Json;
using System.Text.Json.Serialization;

namespace SutazAi.Gateway.Protocol.OpenAI;

/// <summary><c>stop</c>: a string or a list of strings.</summary>
[JsonConverter(typeof(StopSequencesConverter))]
internal sealed class StopSequences
{
    public List<string> Values { get; init; } = [];
}

internal sealed class StopSequencesConverter : JsonConverter<StopSequences>
{
    public override StopSequences? Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        if (reader.TokenType == JsonTokenType.String)
        {
            return new StopSequences { Values = [reader.GetString()!] };
        }

        if (reader.TokenType != JsonTokenType.StartArray)
        {
            throw new JsonException("stop must be a string or an array of strings");
        }

        var values = new List<string>();
        while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
        {
            if (reader.TokenType != JsonTokenType.String)
            {
                throw new JsonException("stop must be a string or an array of strings");
            }

            values.Add(reader.GetString()!);
        }

        return new StopSequences { Values = values };
    }

    public override void Write(Utf8JsonWriter writer, StopSequences value, JsonSerializerOptions options)
    {
        writer.WriteStartArray();
        foreach (var s in value.Values)
        {
            writer.WriteStringValue(s);
        }

        writer.WriteEndArray();
    }
}
