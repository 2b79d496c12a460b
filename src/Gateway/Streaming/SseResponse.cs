using SutazAi.Gateway.Upstreams;

namespace SutazAi.Gateway.Streaming;

/// <summary>
/// An SSE answer whose headers are sent as late as possible: normally when the upstream answered (so a failure
/// before that still gets its real status), or, with a heartbeat interval, as soon as the upstream has been
/// silent for one interval (model loading), after which ": keep-alive" comments keep clients and proxies from
/// idling out. Once <see cref="Started"/>, failures can only be reported in-band.
/// </summary>
internal sealed class SseResponse(HttpResponse response) : IDisposable
{
    private ResponseStreamWriter? _writer;

    public bool Started => _writer is not null;

    public ResponseStreamWriter Writer => _writer ??= ResponseStreamWriter.StartSse(response);

    /// <summary>Waits for the upstream's headers, sending heartbeats meanwhile when <paramref name="heartbeat"/> is positive.</summary>
    public async Task<UpstreamLease> OpenAsync(Task<UpstreamLease> pending, TimeSpan heartbeat, TimeProvider time, CancellationToken cancellationToken)
    {
        if (heartbeat > TimeSpan.Zero)
        {
            using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            while (!pending.IsCompleted)
            {
                var tick = Task.Delay(heartbeat, time, stop.Token);
                if (await Task.WhenAny(pending, tick).ConfigureAwait(false) == tick && tick.IsCompletedSuccessfully)
                {
                    await Writer.WriteCommentAsync("keep-alive", cancellationToken).ConfigureAwait(false);
                }
            }

            await stop.CancelAsync().ConfigureAwait(false);
        }

        return await pending.ConfigureAwait(false);
    }

    public void Dispose() => _writer?.Dispose();
}
