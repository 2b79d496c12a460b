using System.Net.WebSockets;
using System.Text.Json;
using SutazAi.Gateway.Errors;
using SutazAi.Gateway.Protocol.Sutaz;

namespace SutazAi.Gateway.Endpoints.Admin;

/// <summary>
/// The WebSocket side of event streams (/ws/tasks, /ws/agents/{id}/execution): the client sends subscribe messages
/// (as often as it likes) and receives each subscription's events as JSON text messages, the stored ones first,
/// until its terminal event. Problems come back as {"type":"error","error":{"code","message"}}; a message over
/// 4 KiB closes with 1009; at most 32 subscriptions per connection (a repeated one is ignored).
/// </summary>
internal static class SubscriptionSocket
{
    private const int MaxMessageBytes = 4096;
    private const int MaxSubscriptions = 32;

    /// <param name="context">The request to upgrade; one that is not a WebSocket request is a 400.</param>
    /// <param name="parse">The id a client message subscribes to, or null when it is not a subscribe message.</param>
    /// <param name="usage">What a client should send, for the error answer to anything else.</param>
    /// <param name="check">Null when the id may be followed, else the error code and message.</param>
    /// <param name="follow">The events of one id, as JSON messages, ending after its terminal event.</param>
    public static async Task RunAsync(HttpContext context, Func<ReadOnlyMemory<byte>, string?> parse, string usage,
        Func<string, CancellationToken, Task<(string Code, string Message)?>> check, Func<string, CancellationToken, IAsyncEnumerable<byte[]>> follow)
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

                var id = parse(buffer.AsMemory(0, received.Count));
                if (id is null)
                {
                    await SendAsync(socket, sending, Error("VALIDATION_ERROR", usage), done.Token).ConfigureAwait(false);
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

                if (await check(id, done.Token).ConfigureAwait(false) is { } refused)
                {
                    await SendAsync(socket, sending, Error(refused.Code, refused.Message), done.Token).ConfigureAwait(false);
                    continue;
                }

                subscribed.Add(id);
                subscriptions.Add(FollowAsync(socket, sending, follow(id, done.Token), done.Token));
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

    private static async Task FollowAsync(WebSocket socket, SemaphoreSlim sending, IAsyncEnumerable<byte[]> events, CancellationToken cancellationToken)
    {
        await foreach (var message in events.WithCancellation(cancellationToken).ConfigureAwait(false))
        {
            await SendAsync(socket, sending, message, cancellationToken).ConfigureAwait(false);
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

    private static byte[] Error(string code, string message) => JsonSerializer.SerializeToUtf8Bytes(
        new SocketError { Error = new EnvelopeError { Code = code, Message = message } }, SutazJsonContext.Default.SocketError);
}
