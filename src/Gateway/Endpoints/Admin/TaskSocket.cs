using System.Net.WebSockets;
using System.Text.Json;
using Microsoft.Extensions.Options;
using SutazAi.Gateway.Errors;
using SutazAi.Gateway.Hosting;
using SutazAi.Gateway.Protocol.Sutaz;
using SutazAi.Gateway.Storage.Tasks;
using SutazAi.Gateway.Tasks;

namespace SutazAi.Gateway.Endpoints.Admin;

/// <summary>
/// WebSocket /ws/tasks: the client sends {"action":"subscribe","task_id":"…"} (as often as it likes) and receives
/// each subscribed task's events as JSON text messages, the stored ones first, until the task's terminal event.
/// Problems come back as {"type":"error","error":{"code","message"}}; a message over 4 KiB closes with 1009; at most
/// 32 tasks per connection (a repeated subscription is ignored).
/// </summary>
internal static class TaskSocket
{
    private const int MaxMessageBytes = 4096;
    private const int MaxSubscriptions = 32;

    public static IEndpointConventionBuilder MapTaskSocket(this IEndpointRouteBuilder app) =>
        app.Map("/ws/tasks", RunAsync).WithName("TaskSocket").WithTags("Tasks");

    private static async Task RunAsync(HttpContext context, ITaskStore store, IOptions<TaskQueueOptions> options, TimeProvider time)
    {
        if (!context.WebSockets.IsWebSocketRequest)
        {
            throw GatewayException.Invalid("this route needs a WebSocket upgrade");
        }

        using var socket = await context.WebSockets.AcceptWebSocketAsync().ConfigureAwait(false);
        using var done = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted);
        using var sending = new SemaphoreSlim(1, 1);
        var subscriptions = new List<Task>();
        var subscribed = new HashSet<string>(StringComparer.Ordinal);
        var buffer = new byte[MaxMessageBytes];
        try
        {
            while (socket.State == WebSocketState.Open)
            {
                var received = await socket.ReceiveAsync(buffer, done.Token).ConfigureAwait(false);
                if (received.MessageType == WebSocketMessageType.Close)
                {
                    await socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, null, CancellationToken.None).ConfigureAwait(false);
                    break;
                }

                if (!received.EndOfMessage)
                {
                    await socket.CloseOutputAsync(WebSocketCloseStatus.MessageTooBig, "message too big", CancellationToken.None).ConfigureAwait(false);
                    break;
                }

                var id = Subscription(buffer.AsSpan(0, received.Count));
                if (id is null)
                {
                    await SendAsync(socket, sending, Error("VALIDATION_ERROR", "send {\"action\":\"subscribe\",\"task_id\":\"…\"}"), done.Token).ConfigureAwait(false);
                    continue;
                }

                if (subscribed.Contains(id))
                {
                    continue;
                }

                if (subscribed.Count >= MaxSubscriptions)
                {
                    await SendAsync(socket, sending, Error("VALIDATION_ERROR", $"at most {MaxSubscriptions} subscriptions per connection"), done.Token).ConfigureAwait(false);
                    continue;
                }

                if (id.Length != 32 || !id.All(char.IsAsciiHexDigitLower) || await store.GetAsync(id, done.Token).ConfigureAwait(false) is null)
                {
                    await SendAsync(socket, sending, Error("TASK_NOT_FOUND", "task not found"), done.Token).ConfigureAwait(false);
                    continue;
                }

                subscribed.Add(id);
                subscriptions.Add(FollowAsync(socket, sending, store, id, options.Value.EventPollInterval, time, done.Token));
            }
        }
        catch (WebSocketException)
        {
            // The client went away without a close handshake; its subscriptions end below.
        }
        finally
        {
            await done.CancelAsync().ConfigureAwait(false);
            await Task.WhenAll(subscriptions).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }
    }

    private static async Task FollowAsync(WebSocket socket, SemaphoreSlim sending, ITaskStore store, string id, TimeSpan poll, TimeProvider time,
        CancellationToken cancellationToken)
    {
        await foreach (var e in TaskEventFeed.FollowAsync(store, id, 0, poll, time, cancellationToken).ConfigureAwait(false))
        {
            await SendAsync(socket, sending, JsonSerializer.SerializeToUtf8Bytes(e, SutazJsonContext.Default.TaskEventView), cancellationToken).ConfigureAwait(false);
        }
    }

    private static async Task SendAsync(WebSocket socket, SemaphoreSlim sending, byte[] message, CancellationToken cancellationToken)
    {
        await sending.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            await socket.SendAsync(message, WebSocketMessageType.Text, endOfMessage: true, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            sending.Release();
        }
    }

    private static string? Subscription(ReadOnlySpan<byte> message)
    {
        try
        {
            var request = JsonSerializer.Deserialize(message, SutazJsonContext.Default.TaskSubscribeMessage);
            return request is { Action: "subscribe", TaskId: { Length: > 0 } id } ? id : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private static byte[] Error(string code, string message) => JsonSerializer.SerializeToUtf8Bytes(
        new SocketError { Error = new EnvelopeError { Code = code, Message = message } }, SutazJsonContext.Default.SocketError);
}
