using System.Runtime.CompilerServices;
using System.Text.Json;
using SutazAi.Gateway.Protocol.Sutaz;
using SutazAi.Gateway.Storage.Tasks;

namespace SutazAi.Gateway.Tasks;

/// <summary>
/// A task's events for subscribers (SSE and WebSocket): the stored ones after <c>afterSeq</c>, then new ones as
/// they are stored (polled, so events written by any replica arrive), ending after the terminal event.
/// </summary>
internal static class TaskEventFeed
{
    public static bool IsTerminal(string eventType) => eventType is "completed" or "failed" or "cancelled";

    public static async IAsyncEnumerable<TaskEventView> FollowAsync(ITaskStore store, string id, int afterSeq, TimeSpan poll, TimeProvider time,
        [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var after = afterSeq;
        while (true)
        {
            foreach (var e in await store.EventsAsync(id, after, cancellationToken).ConfigureAwait(false))
            {
                after = e.Seq;
                yield return new TaskEventView
                {
                    TaskId = e.TaskId,
                    Seq = e.Seq,
                    Type = e.EventType,
                    Data = e.Data is null ? null : JsonDocument.Parse(e.Data).RootElement.Clone(),
                    CreatedAt = e.CreatedAt,
                };
                if (IsTerminal(e.EventType))
                {
                    yield break;
                }
            }

            await Task.Delay(poll, time, cancellationToken).ConfigureAwait(false);
        }
    }
}
