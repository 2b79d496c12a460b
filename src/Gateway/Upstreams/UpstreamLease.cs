using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using SutazAi.Gateway.Errors;
using SutazAi.Gateway.Protocol.Ollama;
using SutazAi.Gateway.Streaming;

namespace SutazAi.Gateway.Upstreams;

/// <summary>
/// An upstream response whose headers have arrived. The body still belongs to the circuit breaker's
/// execution: how the stream ends (<see cref="Fail"/> or a clean dispose) is what the breaker records,
/// so a stream cut halfway counts and a half-open probe lasts until its stream is finished.
/// </summary>
internal sealed class UpstreamLease : IAsyncDisposable
{
    private readonly TaskCompletionSource<GatewayException?> _outcome;
    private readonly Task _execution;
    private readonly UpstreamDeadline _deadline;
    private readonly Action<UpstreamLease, GatewayException?> _completed;
    private GatewayException? _failure;
    private int _disposed;

    internal UpstreamLease(OllamaServer server, HttpResponseMessage response, UpstreamDeadline deadline,
        TaskCompletionSource<GatewayException?> outcome, Task execution, Action<UpstreamLease, GatewayException?> completed)
    {
        Server = server;
        Response = response;
        _deadline = deadline;
        _outcome = outcome;
        _execution = execution;
        _completed = completed;
    }

    public OllamaServer Server { get; }

    public HttpResponseMessage Response { get; }

    /// <summary>Cancelled when the client leaves or a stream limit fires.</summary>
    public CancellationToken Token => _deadline.Token;

    /// <summary>Call on every chunk received: the idle timeout restarts.</summary>
    public void Touch() => _deadline.Touch();

    /// <summary>Turns a failure while reading the body into the client-safe error (or rethrows client cancellation).</summary>
    public GatewayException Classify(Exception exception)
    {
        var error = UpstreamErrorClassifier.FromException(exception, _deadline, headersReceived: true);
        Fail(error);
        return error;
    }

    /// <summary>Records a failure of the body; upstream faults count against the server's circuit.</summary>
    public void Fail(GatewayException error) => _failure ??= error;

    /// <summary>An upstream 4xx becomes the client-safe error carrying Ollama's own message; 2xx passes.</summary>
    public async ValueTask ThrowIfRejectedAsync(string? model)
    {
        var status = (int)Response.StatusCode;
        if (status is >= 200 and < 300)
        {
            return;
        }

        string? message = null;
        try
        {
            var body = await Response.Content.ReadAsByteArrayAsync(Token).ConfigureAwait(false);
            message = body.Length is > 0 and < 65_536 ? JsonSerializer.Deserialize(body, OllamaJsonContext.Default.OllamaError)?.Error : null;
        }
        catch (JsonException)
        {
            // Not Ollama's {"error"} shape (an HTML error page, say): the generic message is used instead.
        }

        throw UpstreamErrorClassifier.Rejected(status, message, model);
    }

    /// <summary>The whole (non-streamed) body as bytes.</summary>
    public async Task<byte[]> ReadBytesAsync()
    {
        try
        {
            return await Response.Content.ReadAsByteArrayAsync(Token).ConfigureAwait(false);
        }
        catch (Exception e) when (e is IOException or HttpRequestException or OperationCanceledException)
        {
            throw Classify(e);
        }
    }

    /// <summary>Reads a whole (non-streamed) JSON answer.</summary>
    public async Task<T> ReadJsonAsync<T>(JsonTypeInfo<T> typeInfo)
    {
        try
        {
            var value = await Response.Content.ReadFromJsonAsync(typeInfo, Token).ConfigureAwait(false);
            return value ?? throw new JsonException("empty upstream body");
        }
        catch (JsonException)
        {
            var error = new GatewayException(ErrorKind.UpstreamError, "the upstream model server sent an invalid response");
            Fail(error);
            throw error;
        }
        catch (Exception e) when (e is IOException or HttpRequestException or OperationCanceledException)
        {
            throw Classify(e);
        }
    }

    /// <summary>The NDJSON body line by line; transport failures surface as <see cref="GatewayException"/>.</summary>
    public async IAsyncEnumerable<ReadOnlyMemory<byte>> ReadLinesAsync()
    {
        var lines = NdjsonReader.ReadLinesAsync(this).GetAsyncEnumerator();
        try
        {
            while (true)
            {
                bool more;
                try
                {
                    more = await lines.MoveNextAsync().ConfigureAwait(false);
                }
                catch (Exception e) when (e is IOException or HttpRequestException or OperationCanceledException or InvalidDataException)
                {
                    throw Classify(e);
                }

                if (!more)
                {
                    yield break;
                }

                yield return lines.Current;
            }
        }
        finally
        {
            await lines.DisposeAsync().ConfigureAwait(false);
        }
    }

    /// <summary>Parses one streamed line; a malformed line or an {"error"} line ends the stream as an upstream fault.</summary>
    public OllamaChatResponse ParseLine(ReadOnlyMemory<byte> line)
    {
        OllamaChatResponse? chunk;
        try
        {
            chunk = JsonSerializer.Deserialize(line.Span, OllamaJsonContext.Default.OllamaChatResponse);
        }
        catch (JsonException)
        {
            chunk = null;
        }

        if (chunk is null)
        {
            var error = new GatewayException(ErrorKind.StreamBroken, "the upstream model server sent an invalid stream line");
            Fail(error);
            throw error;
        }

        if (chunk.Error is not null)
        {
            var error = UpstreamErrorClassifier.FromErrorLine(chunk.Error);
            Fail(error);
            throw error;
        }

        return chunk;
    }

    /// <summary>
    /// Relays a streamed answer: every line is parsed (a malformed or {"error"} line ends it as an upstream fault)
    /// and handed to <paramref name="onLine"/> with its raw bytes. Generation streams end at done:true, which is
    /// returned; a generation stream that ends before it is incomplete. Progress streams (pull, push, create)
    /// end at the upstream's end of body and return null.
    /// </summary>
    public async Task<OllamaChatResponse?> RelayAsync(Func<ReadOnlyMemory<byte>, OllamaChatResponse, ValueTask> onLine, bool untilDone)
    {
        await foreach (var line in ReadLinesAsync().ConfigureAwait(false))
        {
            var chunk = ParseLine(line);
            await onLine(line, chunk).ConfigureAwait(false);
            if (untilDone && chunk.Done)
            {
                return chunk;
            }
        }

        return untilDone ? throw EndedEarly() : null;
    }

    /// <summary>The stream ended without its final done:true object: incomplete, and the server's fault.</summary>
    public GatewayException EndedEarly()
    {
        var error = new GatewayException(ErrorKind.StreamBroken, "the upstream model server closed the stream before it was complete");
        Fail(error);
        return error;
    }

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        var failure = _failure is { IsUpstreamFault: true } ? _failure : null;
        Response.Dispose();
        _outcome.TrySetResult(failure);
        await _execution.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        _deadline.Dispose();
        _completed(this, _failure);
    }
}
