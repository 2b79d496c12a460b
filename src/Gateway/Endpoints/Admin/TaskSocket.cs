using System.Runtime.CompilerServices;
using System.Text.Json;
using Microsoft.Extensions.Options;
using SutazAi.Gateway.Hosting;
using SutazAi.Gateway.Protocol.Sutaz;
using SutazAi.Gateway.Storage.Tasks;
using SutazAi.Gateway.Tasks;

namespace SutazAi.Gateway.Endpoints.Admin;

/// <summary>WebSocket /ws/tasks: the client sends {"action":"subscribe","task_id":"…"} and receives that task's events (see <see cref="SubscriptionSocket"/>).</summary>
internal static class TaskSocket
{
    public static IEndpointConventionBuilder MapTaskSocket(this IEndpointRouteBuilder app) =>
        app.Map("/ws/tasks", RunAsync).WithName("TaskSocket").WithTags("Tasks");

    private static Task RunAsync(HttpContext context, ITaskStore store, IOptions<TaskQueueOptions> options, TimeProvider time) =>
        SubscriptionSocket.RunAsync(context, Subscription, "send {\"action\":\"subscribe\",\"task_id\":\"…\"}",
            async (id, ct) => id.Length != 32 || !id.All(char.IsAsciiHexDigitLower) || await store.GetAsync(id, ct).ConfigureAwait(false) is null
                ? ("TASK_NOT_FOUND", "task not found")
                : null,
            (id, ct) => FollowAsync(store, id, options.Value.EventPollInterval, time, ct));

    private static async IAsyncEnumerable<byte[]> FollowAsync(ITaskStore store, string id, TimeSpan poll, TimeProvider time,
        [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await foreach (var e in TaskEventFeed.FollowAsync(store, id, 0, poll, time, cancellationToken).ConfigureAwait(false))
        {
            yield return JsonSerializer.SerializeToUtf8Bytes(e, SutazJsonContext.Default.TaskEventView);
        }
    }

    private static string? Subscription(ReadOnlyMemory<byte> message)
    {
        try
        {
            var request = JsonSerializer.Deserialize(message.Span, SutazJsonContext.Default.TaskSubscribeMessage);
            return request is { Action: "subscribe", TaskId: { Length: > 0 } id } ? id : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }
}
