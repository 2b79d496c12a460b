using System.Net;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using SutazAi.Gateway.Tests.Infrastructure;
using SutazAi.TestKit;

namespace SutazAi.Gateway.Tests.Tasks;

/// <summary>WebSocket /ws/tasks: subscribe to tasks, receive their events until the terminal one.</summary>
public sealed class TaskSocketTests
{
    private static async Task<string> ReceiveAsync(ClientWebSocket socket)
    {
        var buffer = new byte[16 * 1024];
        var result = await socket.ReceiveAsync(buffer, CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(20));
        return Encoding.UTF8.GetString(buffer, 0, result.Count);
    }

    private static Task SendAsync(ClientWebSocket socket, string text) =>
        socket.SendAsync(Encoding.UTF8.GetBytes(text), WebSocketMessageType.Text, endOfMessage: true, CancellationToken.None);

    private static async Task<ClientWebSocket> ConnectAsync(GatewayFactory gateway)
    {
        var socket = new ClientWebSocket();
        socket.Options.SetRequestHeader("Authorization", $"Bearer {TestAuth.AdminKey}");
        await socket.ConnectAsync(new Uri($"ws://{gateway.BaseAddress.Authority}/ws/tasks"), CancellationToken.None);
        return socket;
    }

    [Fact]
    public async Task Subscribe_ChatTask_ReceivesStoredAndLiveEventsUntilCompleted()
    {
        await using var fake = await FakeOllama.StartAsync("llama3:latest");
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        fake.Script("/api/chat", _ => new FakeReply { Chunks = [FakeOllama.ChatLine("llama3:latest", "ok", done: true)], HeadersGate = release.Task });
        await using var gateway = new GatewayFactory([fake.BaseUri], new Dictionary<string, string?>
        {
            ["Tasks:PollInterval"] = "00:00:00.050",
            ["Tasks:EventPollInterval"] = "00:00:00.020",
        });
        var created = await gateway.Client().PostAsync("/api/v1/tasks",
            new StringContent("""{"task_type":"chat","payload":{"model":"llama3:latest","message":"hi"}}""", Encoding.UTF8, "application/json"));
        var id = JsonDocument.Parse(await created.Content.ReadAsStringAsync()).RootElement.GetProperty("data").GetProperty("task_id").GetString()!;
        await fake.WaitForRequestsAsync("/api/chat", 1).WaitAsync(TimeSpan.FromSeconds(10));
        using var socket = await ConnectAsync(gateway);

        await SendAsync(socket, $$"""{"action":"subscribe","task_id":"{{id}}"}""");
        var types = new List<string> { JsonDocument.Parse(await ReceiveAsync(socket)).RootElement.GetProperty("type").GetString()! };
        types.Add(JsonDocument.Parse(await ReceiveAsync(socket)).RootElement.GetProperty("type").GetString()!);
        release.SetResult();
        var last = JsonDocument.Parse(await ReceiveAsync(socket)).RootElement;
        types.Add(last.GetProperty("type").GetString()!);

        Assert.Equal(["queued", "started", "completed"], types);
        Assert.Equal(id, last.GetProperty("task_id").GetString());
        Assert.Equal(3, last.GetProperty("seq").GetInt32());
        await socket.CloseAsync(WebSocketCloseStatus.NormalClosure, null, CancellationToken.None);
    }

    [Fact]
    public async Task Subscribe_UnknownTaskOrBadMessage_ErrorMessageAndSocketStaysOpen()
    {
        await using var fake = await FakeOllama.StartAsync("llama3:latest");
        await using var gateway = GatewayFactory.For(fake);
        using var socket = await ConnectAsync(gateway);

        await SendAsync(socket, """{"action":"subscribe","task_id":"00000000000000000000000000000000"}""");
        var unknown = JsonDocument.Parse(await ReceiveAsync(socket)).RootElement;
        await SendAsync(socket, "not json");
        var bad = JsonDocument.Parse(await ReceiveAsync(socket)).RootElement;

        Assert.Equal("error", unknown.GetProperty("type").GetString());
        Assert.Equal("TASK_NOT_FOUND", unknown.GetProperty("error").GetProperty("code").GetString());
        Assert.Equal("VALIDATION_ERROR", bad.GetProperty("error").GetProperty("code").GetString());
        Assert.Equal(WebSocketState.Open, socket.State);
    }

    [Fact]
    public async Task Message_OverFourKilobytes_ClosesWith1009()
    {
        await using var fake = await FakeOllama.StartAsync("llama3:latest");
        await using var gateway = GatewayFactory.For(fake);
        using var socket = await ConnectAsync(gateway);

        await SendAsync(socket, new string('x', 10_000));
        var buffer = new byte[1024];
        var result = await socket.ReceiveAsync(buffer, CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(10));

        Assert.Equal(WebSocketMessageType.Close, result.MessageType);
        Assert.Equal(WebSocketCloseStatus.MessageTooBig, socket.CloseStatus);
    }

    [Fact]
    public async Task PlainHttp_OnSocketRoute_Returns400()
    {
        await using var fake = await FakeOllama.StartAsync("llama3:latest");
        await using var gateway = GatewayFactory.For(fake);

        var response = await gateway.Client().GetAsync("/ws/tasks");

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
    }
}
