using System.Buffers;
using System.IO.Pipelines;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Microsoft.AspNetCore.Http.Features;

namespace SutazAi.Gateway.Streaming;

/// <summary>
/// Writes SSE events or NDJSON lines straight to the response pipe and flushes each one: no buffering,
/// no compression, UTF-8 serialised once. (TypedResults.ServerSentEvents would transcode every chunk
/// through a string and cannot end a stream with an error event instead of a clean finish.)
/// </summary>
internal sealed class ResponseStreamWriter : IDisposable
{
    private static readonly byte[] s_data = "data: "u8.ToArray();
    private static readonly byte[] s_eventEnd = "\n\n"u8.ToArray();
    private static readonly byte[] s_done = "data: [DONE]\n\n"u8.ToArray();

    private readonly HttpResponse _response;
    private readonly Utf8JsonWriter _json;

    private ResponseStreamWriter(HttpResponse response)
    {
        _response = response;
        _json = new Utf8JsonWriter((IBufferWriter<byte>)response.BodyWriter, new JsonWriterOptions { SkipValidation = true });
    }

    public static ResponseStreamWriter StartSse(HttpResponse response) => Start(response, "text/event-stream");

    public static ResponseStreamWriter StartNdjson(HttpResponse response) => Start(response, "application/x-ndjson");

    public ValueTask<FlushResult> WriteSseAsync<T>(T value, JsonTypeInfo<T> typeInfo, CancellationToken cancellationToken)
    {
        _response.BodyWriter.Write(s_data);
        JsonSerializer.Serialize(_json, value, typeInfo);
        _json.Reset();
        _response.BodyWriter.Write(s_eventEnd);
        return _response.BodyWriter.FlushAsync(cancellationToken);
    }

    public ValueTask<FlushResult> WriteLineAsync<T>(T value, JsonTypeInfo<T> typeInfo, CancellationToken cancellationToken)
    {
        JsonSerializer.Serialize(_json, value, typeInfo);
        _json.Reset();
        _response.BodyWriter.Write("\n"u8);
        return _response.BodyWriter.FlushAsync(cancellationToken);
    }

    /// <summary>An SSE event with an id (for Last-Event-ID resumption) and an event name.</summary>
    public ValueTask<FlushResult> WriteSseEventAsync<T>(string id, string eventName, T value, JsonTypeInfo<T> typeInfo, CancellationToken cancellationToken)
    {
        _response.BodyWriter.Write("id: "u8);
        _response.BodyWriter.Write(System.Text.Encoding.UTF8.GetBytes(id));
        _response.BodyWriter.Write("\nevent: "u8);
        _response.BodyWriter.Write(System.Text.Encoding.UTF8.GetBytes(eventName));
        _response.BodyWriter.Write("\n"u8);
        return WriteSseAsync(value, typeInfo, cancellationToken);
    }

    /// <summary>An SSE comment line (clients ignore it; it keeps idle timeouts of clients and proxies at bay).</summary>
    public async ValueTask WriteCommentAsync(string text, CancellationToken cancellationToken)
    {
        _response.BodyWriter.Write(": "u8);
        _response.BodyWriter.Write(System.Text.Encoding.UTF8.GetBytes(text));
        _response.BodyWriter.Write(s_eventEnd);
        await _response.BodyWriter.FlushAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>An already-serialised JSON value as one SSE event.</summary>
    public async ValueTask WriteSseRawAsync(ReadOnlyMemory<byte> json, CancellationToken cancellationToken)
    {
        _response.BodyWriter.Write(s_data);
        _response.BodyWriter.Write(json.Span);
        _response.BodyWriter.Write(s_eventEnd);
        await _response.BodyWriter.FlushAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Raw bytes (an upstream NDJSON line without its newline, or a pre-rendered event).</summary>
    public ValueTask<FlushResult> WriteRawAsync(ReadOnlyMemory<byte> bytes, bool appendNewline, CancellationToken cancellationToken)
    {
        _response.BodyWriter.Write(bytes.Span);
        if (appendNewline)
        {
            _response.BodyWriter.Write("\n"u8);
        }

        return _response.BodyWriter.FlushAsync(cancellationToken);
    }

    public ValueTask<FlushResult> WriteDoneAsync(CancellationToken cancellationToken) => WriteRawAsync(s_done, appendNewline: false, cancellationToken);

    public void Dispose() => _json.Dispose();

    private static ResponseStreamWriter Start(HttpResponse response, string contentType)
    {
        response.StatusCode = StatusCodes.Status200OK;
        response.ContentType = contentType;
        response.Headers.CacheControl = "no-cache, no-store";
        response.Headers["X-Accel-Buffering"] = "no";
        response.HttpContext.Features.Get<IHttpResponseBodyFeature>()?.DisableBuffering();
        return new ResponseStreamWriter(response);
    }
}
