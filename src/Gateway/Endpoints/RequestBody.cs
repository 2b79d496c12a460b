using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Microsoft.Net.Http.Headers;
using SutazAi.Gateway.Errors;

namespace SutazAi.Gateway.Endpoints;

/// <summary>
/// Reads a JSON request body into the gateway's own DTO with strict typing and no duplicate keys; every
/// failure becomes a 400/413/415 <see cref="GatewayException"/> whose message names the field, never .NET text.
/// </summary>
internal static class RequestBody
{
    public static async ValueTask<T> ReadAsync<T>(HttpRequest request, JsonTypeInfo<T> typeInfo, bool allowFormContentType = false)
        where T : class
    {
        CheckContentType(request, allowFormContentType);
        try
        {
            return await JsonSerializer.DeserializeAsync(request.Body, typeInfo, request.HttpContext.RequestAborted).ConfigureAwait(false)
                ?? throw new GatewayException(ErrorKind.InvalidJson, "request body must be a JSON object");
        }
        catch (JsonException e)
        {
            throw Describe(e);
        }
        catch (InvalidOperationException e) when (e.InnerException is null && e.Source == "System.Text.Json")
        {
            // Utf8JsonReader reports lone surrogates and invalid UTF-8 inside strings this way.
            throw new GatewayException(ErrorKind.InvalidJson, "request body contains invalid UTF-8 or an unpaired surrogate");
        }
        catch (BadHttpRequestException e) when (e.StatusCode == StatusCodes.Status413PayloadTooLarge)
        {
            throw new GatewayException(ErrorKind.PayloadTooLarge, "request body is too large");
        }
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
