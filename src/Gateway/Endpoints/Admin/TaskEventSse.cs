using System.Globalization;
using System.Text.Json.Serialization.Metadata;
using SutazAi.Gateway.Storage.Tasks;
using SutazAi.Gateway.Streaming;
using TaskStatus = SutazAi.Gateway.Storage.Tasks.TaskStatus;

namespace SutazAi.Gateway.Endpoints.Admin;

/// <summary>
/// The SSE side of a task's event stream (a task's own events, an agent execution's): resuming from Last-Event-ID,
/// 204 to an EventSource that reconnects after the end, and a comment every 15 s so proxies keep a quiet stream open.
/// </summary>
internal static class TaskEventSse
{
    private static readonly TimeSpan KeepAlive = TimeSpan.FromSeconds(15);

    public static int LastEventId(HttpRequest request) =>
        int.TryParse(request.Headers["Last-Event-ID"], NumberStyles.None, CultureInfo.InvariantCulture, out var resume) ? resume : 0;

    /// <summary>EventSource reconnects after a stream ends: for a finished task with nothing after <paramref name="after"/>, answer 204.</summary>
    public static async Task<bool> NothingMoreAsync(ITaskStore store, string id, int after, CancellationToken cancellationToken) =>
        after > 0
        && await store.GetAsync(id, cancellationToken).ConfigureAwait(false) is { } task && TaskStatus.IsTerminal(task.Status)
        && (await store.EventsAsync(id, after, cancellationToken).ConfigureAwait(false)).Count == 0;

    public static async Task WriteAsync<T>(HttpResponse response, IAsyncEnumerable<T> events, Func<T, (int Seq, string Type)> label, JsonTypeInfo<T> type,
        TimeProvider time, CancellationToken cancellationToken)
    {
        using var writer = ResponseStreamWriter.StartSse(response);
        await using var feed = events.GetAsyncEnumerator(cancellationToken);
        var next = feed.MoveNextAsync().AsTask();
        while (true)
        {
            using (var quiet = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken))
            {
                if (await Task.WhenAny(next, Task.Delay(KeepAlive, time, quiet.Token)).ConfigureAwait(false) != next)
                {
                    await writer.WriteCommentAsync("keep-alive", cancellationToken).ConfigureAwait(false);
                    continue;
                }

                await quiet.CancelAsync().ConfigureAwait(false);
            }

            if (!await next.ConfigureAwait(false))
            {
                return;
            }

            var (seq, name) = label(feed.Current);
            await writer.WriteSseEventAsync(seq.ToString(CultureInfo.InvariantCulture), name, feed.Current, type, cancellationToken).ConfigureAwait(false);
            next = feed.MoveNextAsync().AsTask();
        }
    }
}
