using System.Net;
using System.Text;
using System.Text.Json;
using SutazAi.Gateway.Tests.Infrastructure;
using SutazAi.TestKit;

namespace SutazAi.Gateway.Tests.Agents;

/// <summary>Agent executions: a durable task with the run's tool calls and results as stored events, streamed in seed 003's types.</summary>
public sealed class AgentExecutionTests
{
    private const string Model = "llama3:latest";

    private static StringContent Json(string json) => new(json, Encoding.UTF8, "application/json");

    private static async Task<(FakeOllama Fake, GatewayFactory Gateway, string AgentId)> StartAsync(Dictionary<string, string?>? settings = null)
    {
        var fake = await FakeOllama.StartAsync(Model);
        fake.Script("/api/chat", request =>
        {
            var answered = request.Json.GetProperty("messages").EnumerateArray().Any(m => m.GetProperty("role").GetString() == "tool");
            return FakeReply.Ndjson(answered
                ? [FakeOllama.ChatLine(Model, "It is 42."), FakeOllama.ChatLine(Model, "", done: true, promptEval: 30, eval: 4)]
                : [FakeOllama.ChatLine(Model, "", done: true, toolCallsJson: """[{"function":{"name":"calculator","arguments":{"expression":"6*7"}}}]""",
                    promptEval: 20, eval: 5)]);
        });
        settings ??= [];
        settings["Tasks:PollInterval"] = "00:00:00.050";
        settings["Tasks:EventPollInterval"] = "00:00:00.020";
        var gateway = new GatewayFactory([fake.BaseUri], settings);
        var created = await gateway.Client().PostAsync("/api/v1/agents", Json("""{"name":"math","config":{"model_name":"llama3:latest","tools":["calculator"]}}"""));
        var id = JsonDocument.Parse(await created.Content.ReadAsStringAsync()).RootElement.GetProperty("data").GetProperty("agent_id").GetString()!;
        return (fake, gateway, id);
    }

    private static List<(string Event, JsonElement Data)> Events(string sse) =>
        [.. sse.Split("\n\n", StringSplitOptions.RemoveEmptyEntries)
            .Select(block => block.Split('\n'))
            .Where(lines => lines.Any(l => l.StartsWith("event: ", StringComparison.Ordinal)))
            .Select(lines => (lines.First(l => l.StartsWith("event: ", StringComparison.Ordinal))["event: ".Length..],
                JsonDocument.Parse(lines.First(l => l.StartsWith("data: ", StringComparison.Ordinal))["data: ".Length..]).RootElement))];

    [Fact]
    public async Task AgentRunsThroughTheTaskApi_ActForTheCaller_AndCannotNameAnotherOwner()
    {
        var (fake, gateway, agentId) = await StartAsync();
        await using var ownedFake = fake;
        await using var ownedGateway = gateway;
        var client = gateway.Client(TimeSpan.FromSeconds(30));

        var spoofed = await client.PostAsync("/api/v1/tasks", Json($$$"""{"task_type":"agent_run","payload":{"agent_id":"{{{agentId}}}","task":"hi","owner":"someone-else"}}"""));
        var bound = await client.PostAsync("/api/v1/tasks", Json($$$"""{"task_type":"agent_run","payload":{"agent_id":"{{{agentId}}}","task":"6 times 7?"}}"""));

        Assert.Equal(HttpStatusCode.BadRequest, spoofed.StatusCode);
        Assert.Equal("payload.owner", JsonDocument.Parse(await spoofed.Content.ReadAsStringAsync()).RootElement.GetProperty("error").GetProperty("details").GetProperty("field").GetString());
        Assert.Equal(HttpStatusCode.Created, bound.StatusCode);
        var taskId = JsonDocument.Parse(await bound.Content.ReadAsStringAsync()).RootElement.GetProperty("data").GetProperty("task_id").GetString()!;
        // The stream ends with the task: a run without a bound owner would fail ("the execution has no owner").
        await client.GetStringAsync($"/api/v1/tasks/{taskId}/events");
        var task = JsonDocument.Parse(await client.GetStringAsync($"/api/v1/tasks/{taskId}/result")).RootElement.GetProperty("data");
        Assert.Equal("completed", task.GetProperty("status").GetString());
        Assert.Equal("It is 42.", task.GetProperty("result").GetProperty("response").GetString());
    }

    [Fact]
    public async Task State_CountsTheAgentsExecutionsByStatus_AndShowsTheLatest()
    {
        var (fake, gateway, agentId) = await StartAsync();
        await using var ownedFake = fake;
        await using var ownedGateway = gateway;
        var client = gateway.Client(TimeSpan.FromSeconds(30));

        var before = JsonDocument.Parse(await client.GetStringAsync("/api/v1/agents/math/state")).RootElement.GetProperty("data");
        var accepted = JsonDocument.Parse(await (await client.PostAsync("/api/v1/agents/math/execute", Json("""{"task":"6 times 7?"}"""))).Content.ReadAsStringAsync());
        var executionId = accepted.RootElement.GetProperty("data").GetProperty("execution_id").GetString()!;
        await client.GetStringAsync($"/api/v1/agents/{agentId}/stream/{executionId}");
        var after = JsonDocument.Parse(await client.GetStringAsync($"/api/v1/agents/{agentId}/state")).RootElement.GetProperty("data");

        Assert.Equal("idle", before.GetProperty("state").GetString());
        Assert.Equal(0, before.GetProperty("executions").GetProperty("total").GetInt64());
        Assert.Equal(JsonValueKind.Null, before.GetProperty("last_execution").ValueKind);
        Assert.Equal(agentId, after.GetProperty("agent_id").GetString());
        Assert.Equal("idle", after.GetProperty("state").GetString());
        Assert.Equal(1, after.GetProperty("executions").GetProperty("completed").GetInt64());
        Assert.Equal(1, after.GetProperty("executions").GetProperty("total").GetInt64());
        Assert.Equal(0, after.GetProperty("active_executions").GetArrayLength());
        Assert.Equal(executionId, after.GetProperty("last_execution").GetProperty("execution_id").GetString());
        Assert.Equal("It is 42.", after.GetProperty("last_execution").GetProperty("result").GetProperty("response").GetString());
        Assert.Equal(["calculator"], after.GetProperty("tools").EnumerateArray().Select(t => t.GetString()));
        Assert.False(after.GetProperty("memory").GetProperty("enabled").GetBoolean());
        Assert.Equal(HttpStatusCode.NotFound, (await client.GetAsync("/api/v1/agents/nobody/state")).StatusCode);
    }

    [Fact]
    public async Task Execute_RunsAsADurableTask_AndItsStreamShowsEveryStep()
    {
        var (fake, gateway, agentId) = await StartAsync();
        await using var ownedFake = fake;
        await using var ownedGateway = gateway;
        var client = gateway.Client(TimeSpan.FromSeconds(30));

        var accepted = await client.PostAsync("/api/v1/agents/math/execute",
            Json("""{"task":"What is 6 times 7?","context":{"unit":"none"},"execution_mode":"async","streaming":true}"""));

        Assert.Equal(HttpStatusCode.Accepted, accepted.StatusCode);
        var execution = JsonDocument.Parse(await accepted.Content.ReadAsStringAsync()).RootElement.GetProperty("data");
        var executionId = execution.GetProperty("execution_id").GetString()!;
        Assert.Equal("queued", execution.GetProperty("status").GetString());
        Assert.Equal(0, execution.GetProperty("progress").GetInt32());
        var streamUrl = execution.GetProperty("monitoring").GetProperty("stream_url").GetString()!;
        Assert.Equal($"/api/v1/agents/{agentId}/stream/{executionId}", streamUrl);

        var events = Events(await client.GetStringAsync(streamUrl));

        Assert.Equal(["status", "status", "progress", "tool_call", "tool_result", "completion"], events.Select(e => e.Event));
        Assert.Equal("queued", events[0].Data.GetProperty("data").GetProperty("status").GetString());
        Assert.Equal("running", events[1].Data.GetProperty("data").GetProperty("status").GetString());
        Assert.Equal("calculator", events[3].Data.GetProperty("data").GetProperty("name").GetString());
        Assert.Equal("6*7", events[3].Data.GetProperty("data").GetProperty("arguments").GetProperty("expression").GetString());
        Assert.Equal(events[3].Data.GetProperty("data").GetProperty("call_id").GetString(), events[4].Data.GetProperty("data").GetProperty("call_id").GetString());
        Assert.False(events[4].Data.GetProperty("data").GetProperty("error").GetBoolean());
        Assert.Equal("It is 42.", events[5].Data.GetProperty("data").GetProperty("response").GetString());
        Assert.Equal(executionId, events[5].Data.GetProperty("execution_id").GetString());

        var done = JsonDocument.Parse(await client.GetStringAsync($"/api/v1/agents/{agentId}/executions/{executionId}")).RootElement.GetProperty("data");
        Assert.Equal("completed", done.GetProperty("status").GetString());
        Assert.Equal(100, done.GetProperty("progress").GetInt32());
        Assert.Equal("It is 42.", done.GetProperty("result").GetProperty("response").GetString());
        Assert.Equal(59, done.GetProperty("result").GetProperty("tokens_used").GetInt32());
        var prompt = fake.RequestsTo("/api/chat")[0].Json.GetProperty("messages").EnumerateArray().Last().GetProperty("content").GetString()!;
        Assert.StartsWith("What is 6 times 7?", prompt, StringComparison.Ordinal);
        Assert.Contains("\"unit\":\"none\"", prompt, StringComparison.Ordinal);

        // A late subscriber gets the same stored events, then the stream ends.
        Assert.Equal(6, Events(await client.GetStringAsync(streamUrl)).Count);
    }

    [Fact]
    public async Task Execute_BadRequestsAndForeignExecutions_AreRefused()
    {
        var (fake, gateway, _) = await StartAsync(new() { ["Tasks:Workers"] = "0" });
        await using var ownedFake = fake;
        await using var ownedGateway = gateway;
        var client = gateway.Client();
        await client.PostAsync("/api/v1/agents", Json("""{"name":"other","config":{"model_name":"llama3:latest"}}"""));

        var noTask = await client.PostAsync("/api/v1/agents/math/execute", Json("""{"context":{}}"""));
        var sync = await client.PostAsync("/api/v1/agents/math/execute", Json("""{"task":"x","execution_mode":"sync"}"""));
        var unknownAgent = await client.PostAsync("/api/v1/agents/nobody/execute", Json("""{"task":"x"}"""));
        var accepted = JsonDocument.Parse(await (await client.PostAsync("/api/v1/agents/math/execute", Json("""{"task":"x"}"""))).Content.ReadAsStringAsync());
        var executionId = accepted.RootElement.GetProperty("data").GetProperty("execution_id").GetString()!;

        Assert.Equal("task", JsonDocument.Parse(await noTask.Content.ReadAsStringAsync()).RootElement.GetProperty("error").GetProperty("details").GetProperty("field").GetString());
        Assert.Equal(HttpStatusCode.BadRequest, sync.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, unknownAgent.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await client.GetAsync($"/api/v1/agents/other/executions/{executionId}")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await client.GetAsync("/api/v1/agents/math/executions/0123456789abcdef0123456789abcdef")).StatusCode);

        // No worker here: the execution is still queued and is cancelled at once.
        var cancelled = await client.PostAsync($"/api/v1/agents/math/executions/{executionId}/cancel", null);
        Assert.Equal(HttpStatusCode.OK, cancelled.StatusCode);
        Assert.Equal("cancelled", JsonDocument.Parse(await cancelled.Content.ReadAsStringAsync()).RootElement.GetProperty("data").GetProperty("status").GetString());
        var stream = Events(await client.GetStringAsync($"/api/v1/agents/math/stream/{executionId}"));
        Assert.Equal("cancelled", stream[^1].Data.GetProperty("data").GetProperty("status").GetString());
        Assert.Empty(fake.RequestsTo("/api/chat"));
    }

    /// <summary>RELIABILITY.md AG-01 through the API: a stuck model fails the execution at the limit; the steps so far are kept as events.</summary>
    [Fact]
    public async Task Execute_ModelStuckOnTools_FailsWithMaxToolIterations_AfterExactlyTheLimit()
    {
        var (fake, gateway, _) = await StartAsync();
        await using var ownedFake = fake;
        await using var ownedGateway = gateway;
        var client = gateway.Client(TimeSpan.FromSeconds(30));
        fake.Script("/api/chat", _ => FakeReply.Ndjson([FakeOllama.ChatLine(Model, "", done: true,
            toolCallsJson: """[{"function":{"name":"calculator","arguments":{"expression":"1+1"}}}]""")]));
        await client.PostAsync("/api/v1/agents", Json("""{"name":"loopy","config":{"model_name":"llama3:latest","tools":["calculator"],"max_iterations":4}}"""));

        var accepted = JsonDocument.Parse(await (await client.PostAsync("/api/v1/agents/loopy/execute", Json("""{"task":"loop"}"""))).Content.ReadAsStringAsync());
        var streamUrl = accepted.RootElement.GetProperty("data").GetProperty("monitoring").GetProperty("stream_url").GetString()!;
        var events = Events(await client.GetStringAsync(streamUrl));

        Assert.Equal(4, fake.RequestsTo("/api/chat").Count);
        Assert.Equal(4, events.Count(e => e.Event == "tool_call"));
        Assert.Equal(3, events.Count(e => e.Event == "tool_result"));
        Assert.Equal("error", events[^1].Event);
        Assert.Contains("max_tool_iterations", events[^1].Data.GetProperty("data").GetProperty("error").GetString(), StringComparison.Ordinal);
        var executionUrl = accepted.RootElement.GetProperty("data").GetProperty("monitoring").GetProperty("status_url").GetString()!;
        var failed = JsonDocument.Parse(await client.GetStringAsync(executionUrl)).RootElement.GetProperty("data");
        Assert.Equal("failed", failed.GetProperty("status").GetString());
        Assert.Equal(1, failed.GetProperty("attempts").GetInt32());
    }

    [Fact]
    public async Task ExecutionSocket_SubscribeReceivesTheSameEvents_UnknownIdsAreErrors()
    {
        var (fake, gateway, _) = await StartAsync();
        await using var ownedFake = fake;
        await using var ownedGateway = gateway;
        var client = gateway.Client(TimeSpan.FromSeconds(30));
        var accepted = JsonDocument.Parse(await (await client.PostAsync("/api/v1/agents/math/execute", Json("""{"task":"What is 6 times 7?"}"""))).Content.ReadAsStringAsync());
        var executionId = accepted.RootElement.GetProperty("data").GetProperty("execution_id").GetString()!;

        using var socket = new System.Net.WebSockets.ClientWebSocket();
        socket.Options.SetRequestHeader("Authorization", $"Bearer {TestAuth.AdminKey}");
        await socket.ConnectAsync(new Uri($"ws://{gateway.BaseAddress.Authority}/ws/agents/math/execution"), CancellationToken.None);
        async Task Send(string text) => await socket.SendAsync(Encoding.UTF8.GetBytes(text), System.Net.WebSockets.WebSocketMessageType.Text, true, CancellationToken.None);
        async Task<JsonElement> Receive()
        {
            var buffer = new byte[64 * 1024];
            var result = await socket.ReceiveAsync(buffer, CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(20));
            return JsonDocument.Parse(buffer.AsMemory(0, result.Count)).RootElement.Clone();
        }

        await Send("""{"action":"subscribe","execution_id":"0123456789abcdef0123456789abcdef"}""");
        var unknown = await Receive();
        await Send($$"""{"action":"subscribe","execution_id":"{{executionId}}"}""");
        var types = new List<string>();
        JsonElement last;
        do
        {
            last = await Receive();
            types.Add(last.GetProperty("type").GetString()!);
        }
        while (types[^1] is not ("completion" or "error"));

        Assert.Equal("NOT_FOUND", unknown.GetProperty("error").GetProperty("code").GetString());
        Assert.Equal(["status", "status", "progress", "tool_call", "tool_result", "completion"], types);
        Assert.Equal("It is 42.", last.GetProperty("data").GetProperty("response").GetString());
        Assert.Equal(executionId, last.GetProperty("execution_id").GetString());
        Assert.Equal(HttpStatusCode.NotFound, (await client.GetAsync("/ws/agents/nobody/execution")).StatusCode);
    }
}
