using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Microsoft.Net.Http.Headers;
using SutazAi.Gateway.Errors;

namespace SutazAi.Gateway.Endpoints;

/// <summary>
/// Reads a JSON request body into the gateway's own DTO with strict typing and no duplicate keys; every
/// failure becomes a 400/415 <see cref="GatewayException"/> whose message names the field, never .NET text.
/// (Kestrel's own 413/408 while reading surface through GatewayExceptionMiddleware.)
/// </summary>
internal static class RequestBody
{
    public static async ValueTask<T> ReadAsync<T>(HttpRequest request, JsonTypeInfo<T> typeInfo, bool allowFormContentType = false)
        where T : class
    {
        CheckContentType(request, allowFormContentType);
        try
        {
            var body = await ReadAllAsync(request).ConfigureAwait(false);
            ValidateText(body);
            return JsonSerializer.Deserialize(body, typeInfo)
                ?? throw new GatewayException(ErrorKind.InvalidJson, "request body must be a JSON object");
        }
        catch (JsonException e)
        {
            throw Describe(e);
        }
    }

    /// <summary>
    /// Raw JsonElement fields (format, tools, options) keep their bytes, so the whole body is checked once:
    /// valid UTF-8, and every escaped string decodes without an unpaired surrogate.
    /// </summary>
    private static void ValidateText(ReadOnlySpan<byte> body)
    {
        if (!System.Text.Unicode.Utf8.IsValid(body))
        {
            throw new GatewayException(ErrorKind.InvalidJson, "request body is not valid UTF-8");
        }

        var reader = new Utf8JsonReader(body, new JsonReaderOptions { MaxDepth = 128 });
        while (reader.Read())
        {
            if (reader.TokenType is JsonTokenType.String or JsonTokenType.PropertyName && reader.ValueIsEscaped)
            {
                try
                {
                    reader.GetString();
                }
                catch (InvalidOperationException)
                {
                    throw new GatewayException(ErrorKind.InvalidJson, "request body contains an unpaired surrogate");
                }
            }
        }
    }

    private static async Task<byte[]> ReadAllAsync(HttpRequest request)
    {
        var length = request.ContentLength;
        using var buffer = new MemoryStream(length is > 0 and < 1 << 20 ? (int)length : 4096);
        await request.Body.CopyToAsync(buffer, request.HttpContext.RequestAborted).ConfigureAwait(false);
        return buffer.ToArray();
    }

    private static void CheckContentType(HttpRequest request, bool allowForm)
    {
        var raw = request.ContentType;
        if (string.IsNullOrEmpty(raw))
        {
            return;
        }

        if (MediaTypeHeaderValue.TryParse(raw, out var media))
        {
            var type = media.MediaType.Value ?? "";
            if (type.Equals("application/json", StringComparison.OrdinalIgnoreCase)
                || type.EndsWith("+json", StringComparison.OrdinalIgnoreCase)
                || (allowForm && type.Equals("application/x-www-form-urlencoded", StringComparison.OrdinalIgnoreCase)))
            {
                return;
            }
        }

        throw new GatewayException(ErrorKind.UnsupportedMediaType, "Content-Type must be application/json");
    }

    private static GatewayException Describe(JsonException e)
    {
        var field = Param(e.Path);
        if (e.InnerException is JsonException || field is null)
        {
            var where = e.LineNumber is { } line ? $" (line {line + 1}, byte {e.BytePositionInLine ?? 0})" : "";
            return new GatewayException(ErrorKind.InvalidJson, $"request body is not valid JSON{where}");
        }

        var duplicate = e.Message.Contains("Duplicate", StringComparison.OrdinalIgnoreCase);
        return duplicate
            ? new GatewayException(ErrorKind.InvalidRequest, $"{field} appears more than once", field)
            : new GatewayException(ErrorKind.InvalidRequest, $"{field} has an invalid type or value", field);
    }

    /// <summary>"$.messages[0].content" → "messages[0].content"; "$" → null.</summary>
    private static string? Param(string? path)
    {
        if (string.IsNullOrEmpty(path) || path == "$")
        {
            return null;
        }

        return path.StartsWith("$.", StringComparison.Ordinal) ? path[2..] : path.TrimStart('$');
    }
}
