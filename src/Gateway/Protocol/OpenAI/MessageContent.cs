using System.Text.Json;
using System.Text.Json.Serialization;

namespace SutazAi.Gateway.Protocol.OpenAI;

/// <summary>Message content: either a plain string or an array of typed parts.</summary>
[JsonConverter(typeof(MessageContentConverter))]
internal sealed class MessageContent
{
    public string? Text { get; init; }
    public List<ContentPart>? Parts { get; init; }
}

internal sealed class ContentPart
{
    [JsonPropertyName("type")] public string? Type { get; set; }
    [JsonPropertyName("text")] public string? Text { get; set; }
    [JsonPropertyName("image_url")] public ImageUrl? ImageUrl { get; set; }
}

internal sealed class ImageUrl
{
    [JsonPropertyName("url")] public string? Url { get; set; }
    [JsonPropertyName("detail")] public string? Detail { get; set; }
}

internal sealed class MessageContentConverter : JsonConverter<MessageContent>
{
    public override MessageContent? Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        switch (reader.TokenType)
        {
            case JsonTokenType.String:
                return new MessageContent { Text = reader.GetString() };
            case JsonTokenType.StartArray:
                var parts = JsonSerializer.Deserialize(ref reader, OpenAiJsonContext.Default.ListContentPart);
                return new MessageContent { Parts = parts };
            default:
                throw new JsonException("content must be a string or an array of content parts");
        }
    }

    public override void Write(Utf8JsonWriter writer, MessageContent value, JsonSerializerOptions options)
    {
        if (value.Parts is { } parts)
        {
            JsonSerializer.Serialize(writer, parts, OpenAiJsonContext.Default.ListContentPart);
        }
        else
        {
            writer.WriteStringValue(value.Text);
        }
    }
}
