using System.Net;
using System.Text;
using System.Text.Json;
using SutazAi.Gateway.Tests.Infrastructure;
using SutazAi.TestKit;

namespace SutazAi.Gateway.Tests.Tasks;

/// <summary>The /api/v1/tasks surface with real workers, run on SQLite and on PostgreSQL (the subclasses).</summary>
public abstract class TaskApiContract
{
    private const string Model = "llama3:latest";

    /// <summary>Settings that select the store under test (empty: the SQLite default).</summary>
    private protected abstract Task<Dictionary<string, string?>> StoreSettingsAsync();

    /// <summary>How /api/v1/health/detailed names the store under test.</summary>
    private protected abstract string ProviderName { get; }

    private async Task<GatewayFactory> GatewayAsync(FakeOllama fake, Dictionary<string, string?>? extra = null)
    {
        var settings = await StoreSettingsAsync();
        settings["Tasks:PollInterval"] = "00:00:00.050";
        settings["Tasks:EventPollInterval"] = "00:00:00.020";
        settings["Tasks:HeartbeatInterval"] = "00:00:00.100";
        settings["Tasks:RetryBaseDelay"] = "00:00:00.020";
        foreach (var (key, value) in extra ?? [])
        {
            settings[key] = value;
        }

        return new GatewayFactory([fake.BaseUri], settings);
    }

    private static StringContent Json(string json) => new(json, Encoding.UTF8, "application/json");

    private static async Task<JsonElement> DataAsync(HttpResponseMessage response) =>
        JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("data");

    private static async Task<string> EnqueueAsync(HttpClient client, string body, string? key = null)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/v1/tasks") { Content = Json(body) };
        if (key is not null)
        {
            request.Headers.Add("Idempotency-Key", key);
        }

        var response = await client.SendAsync(request);
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        return (await DataAsync(response)).GetProperty("task_id").GetString()!;
    }

    /// <summary>Follows the SSE event stream until the task's terminal event; returns the event types in order.</summary>
    private static async Task<List<string>> EventsUntilDoneAsync(HttpClient client, string id)
    {
        var body = await client.GetStringAsync($"/api/v1/tasks/{id}/events").WaitAsync(TimeSpan.FromSeconds(30));
        return [.. body.Split('\n').Where(l => l.StartsWith("event: ", StringComparison.Ordinal)).Select(l => l["event: ".Length..])];
    }

    [Fact]
    public async Task ChatTask_RunsToCompletion_ResultAndEventsStored()
    {
        await using var fake = await FakeOllama.StartAsync(Model);
        await using var gateway = await GatewayAsync(fake);
        var client = gateway.Client();

        var response = await client.PostAsync("/api/v1/tasks", Json("""{"task_type":"chat","payload":{"model":"llama3:latest","message":"hi"},"priority":"high"}"""));

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var created = await DataAsync(response);
        var id = created.GetProperty("task_id").GetString()!;
        Assert.Equal($"/api/v1/tasks/{id}", response.Headers.Location?.OriginalString);
        Assert.Equal("queued", created.GetProperty("status").GetString());
        Assert.True(created.GetProperty("estimated_completion").GetDateTimeOffset() > DateTimeOffset.UtcNow.AddMinutes(-1));

        Assert.Equal(["queued", "started", "completed"], await EventsUntilDoneAsync(client, id));
        var result = await client.GetAsync($"/api/v1/tasks/{id}/result");
        Assert.Equal(HttpStatusCode.OK, result.StatusCode);
        var data = await DataAsync(result);
        Assert.Equal("completed", data.GetProperty("status").GetString());
        Assert.Equal("Hello from the fake model", data.GetProperty("result").GetProperty("response").GetString());
        Assert.Equal(12, data.GetProperty("result").GetProperty("tokens_used").GetInt32());
        var task = await DataAsync(await client.GetAsync($"/api/v1/tasks/{id}"));
        Assert.Equal(8, task.GetProperty("priority").GetInt32());
        Assert.Equal(1, task.GetProperty("attempts").GetInt32());
        Assert.Single(fake.RequestsTo("/api/chat"));
    }

    [Fact]
    public async Task Events_ReconnectAfterTerminalEvent_Answers204SoEventSourceStops()
    {
        await using var fake = await FakeOllama.StartAsync(Model);
        await using var gateway = await GatewayAsync(fake);
        var client = gateway.Client();
        var id = await EnqueueAsync(client, """{"task_type":"echo","payload":{"x":1}}""");
        var events = await EventsUntilDoneAsync(client, id);

        using var reconnect = new HttpRequestMessage(HttpMethod.Get, $"/api/v1/tasks/{id}/events") { Headers = { { "Last-Event-ID", events.Count.ToString(System.Globalization.CultureInfo.InvariantCulture) } } };
        var response = await client.SendAsync(reconnect);

        Assert.Equal(HttpStatusCode.NoContent, response.StatusCode);
    }

    [Fact]
    public async Task Enqueue_IdempotencyKey_SameBodyReturnsSameTaskDifferentBodyConflicts()
    {
        await using var fake = await FakeOllama.StartAsync(Model);
        await using var gateway = await GatewayAsync(fake, new() { ["Tasks:Workers"] = "0" });
        var client = gateway.Client();
        const string body = """{"task_type":"chat","payload":{"message":"hi"}}""";
        var first = await EnqueueAsync(client, body, key: "order-7");

        using var again = new HttpRequestMessage(HttpMethod.Post, "/api/v1/tasks") { Content = Json(body), Headers = { { "Idempotency-Key", "order-7" } } };
        var repeated = await client.SendAsync(again);
        using var other = new HttpRequestMessage(HttpMethod.Post, "/api/v1/tasks") { Content = Json("""{"task_type":"chat","payload":{"message":"bye"}}"""), Headers = { { "Idempotency-Key", "order-7" } } };
        var conflict = await client.SendAsync(other);

        Assert.Equal(HttpStatusCode.OK, repeated.StatusCode);
        Assert.Equal(first, (await DataAsync(repeated)).GetProperty("task_id").GetString());
        Assert.Equal(HttpStatusCode.Conflict, conflict.StatusCode);
        Assert.Equal("CONFLICT", JsonDocument.Parse(await conflict.Content.ReadAsStringAsync()).RootElement.GetProperty("error").GetProperty("code").GetString());
        var list = await DataAsync(await client.GetAsync("/api/v1/tasks"));
        Assert.Equal(1, list.GetProperty("total").GetInt64());
    }

    [Theory]
    [InlineData("""{"task_type":"teleport","payload":{}}""", "task_type")]
    [InlineData("""{"task_type":"chat","payload":{"model":"llama3:latest"}}""", "payload.message")]
    [InlineData("""{"task_type":"chat","payload":{"message":"hi","temperature":"hot"}}""", "payload.temperature")]
    [InlineData("""{"task_type":"chat","payload":"hi"}""", "payload")]
    [InlineData("""{"task_type":"chat","payload":{"message":"hi"},"priority":11}""", "priority")]
    [InlineData("""{"task_type":"model_pull","payload":{"model":"../x"}}""", "payload.model")]
    public async Task Enqueue_InvalidRequest_400NamingFieldAndNothingStored(string body, string field)
    {
        await using var fake = await FakeOllama.StartAsync(Model);
        await using var gateway = await GatewayAsync(fake);
        var client = gateway.Client();

        var response = await client.PostAsync("/api/v1/tasks", Json(body));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var error = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("error");
        Assert.Equal("VALIDATION_ERROR", error.GetProperty("code").GetString());
        Assert.Equal(field, error.GetProperty("details").GetProperty("field").GetString());
        Assert.Equal(0, (await DataAsync(await client.GetAsync("/api/v1/tasks"))).GetProperty("total").GetInt64());
    }

    [Fact]
    public async Task Cancel_QueuedTask_CancelledAtOnceThenConflict()
    {
        await using var fake = await FakeOllama.StartAsync(Model);
        await using var gateway = await GatewayAsync(fake, new() { ["Tasks:Workers"] = "0" });
        var client = gateway.Client();
        var id = await EnqueueAsync(client, """{"task_type":"chat","payload":{"message":"hi"}}""");

        var cancelled = await client.DeleteAsync($"/api/v1/tasks/{id}");
        var again = await client.DeleteAsync($"/api/v1/tasks/{id}");
        var unknown = await client.DeleteAsync($"/api/v1/tasks/{new string('a', 32)}");

        Assert.Equal(HttpStatusCode.OK, cancelled.StatusCode);
        Assert.Equal("cancelled", (await DataAsync(cancelled)).GetProperty("status").GetString());
        Assert.Equal(HttpStatusCode.Conflict, again.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
        Assert.Equal("TASK_NOT_FOUND", JsonDocument.Parse(await unknown.Content.ReadAsStringAsync()).RootElement.GetProperty("error").GetProperty("code").GetString());
        Assert.Equal(["queued", "cancelled"], await EventsUntilDoneAsync(client, id));
    }

    [Fact]
    public async Task Cancel_RunningTask_HonouredAtHeartbeatAndUpstreamCallAborted()
    {
        await using var fake = await FakeOllama.StartAsync(Model);
        fake.Script("/api/chat", _ => new FakeReply { Chunks = [FakeOllama.ChatLine(Model, "late", done: true)], HeadersGate = new TaskCompletionSource().Task });
        await using var gateway = await GatewayAsync(fake);
        var client = gateway.Client();
        var id = await EnqueueAsync(client, """{"task_type":"chat","payload":{"model":"llama3:latest","message":"hi"}}""");
        await fake.WaitForRequestsAsync("/api/chat", 1).WaitAsync(TimeSpan.FromSeconds(10));

        var response = await client.DeleteAsync($"/api/v1/tasks/{id}");

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        Assert.True((await DataAsync(response)).GetProperty("cancel_requested").GetBoolean());
        Assert.Equal(["queued", "started", "cancelled"], await EventsUntilDoneAsync(client, id));
        await fake.RequestsTo("/api/chat")[0].Aborted.WaitAsync(TimeSpan.FromSeconds(5));
    }

    [Fact]
    public async Task UpstreamAlwaysFails_RetriedWithBackoffThenFailedWithHistory()
    {
        await using var fake = await FakeOllama.StartAsync(Model);
        fake.Script("/api/chat", _ => FakeReply.Error(500, "runner crashed"));
        await using var gateway = await GatewayAsync(fake);
        var client = gateway.Client();
        var id = await EnqueueAsync(client, """{"task_type":"chat","payload":{"model":"llama3:latest","message":"hi"}}""");

        var events = await EventsUntilDoneAsync(client, id);

        Assert.Equal(["queued", "started", "retrying", "started", "retrying", "started", "failed"], events);
        var result = await DataAsync(await client.GetAsync($"/api/v1/tasks/{id}/result"));
        Assert.Equal("failed", result.GetProperty("status").GetString());
        Assert.Equal("the upstream model server answered 500", result.GetProperty("error").GetString());
        Assert.Equal(JsonValueKind.Null, result.GetProperty("result").ValueKind);
        Assert.Equal(3, fake.RequestsTo("/api/chat").Count);
    }

    [Fact]
    public async Task UnknownModel_FailsOnceWithoutRetryOrUpstreamCall()
    {
        await using var fake = await FakeOllama.StartAsync(Model);
        await using var gateway = await GatewayAsync(fake);
        var client = gateway.Client();
        var id = await EnqueueAsync(client, """{"task_type":"chat","payload":{"model":"nope:latest","message":"hi"}}""");

        Assert.Equal(["queued", "started", "failed"], await EventsUntilDoneAsync(client, id));
        var task = await DataAsync(await client.GetAsync($"/api/v1/tasks/{id}"));
        Assert.Equal("model 'nope:latest' not found", task.GetProperty("error").GetString());
        Assert.Equal(1, task.GetProperty("attempts").GetInt32());
        Assert.Empty(fake.RequestsTo("/api/chat"));
    }

    [Fact]
    public async Task ModelPullTask_ProgressEventsThenResult()
    {
        await using var fake = await FakeOllama.StartAsync(Model);
        await using var gateway = await GatewayAsync(fake);
        var client = gateway.Client();
        var id = await EnqueueAsync(client, """{"task_type":"model_pull","payload":{"model":"qwen2:0.5b"}}""");

        var events = await EventsUntilDoneAsync(client, id);

        Assert.Equal(["queued", "started", "progress", "progress", "progress", "completed"], events);
        var result = await DataAsync(await client.GetAsync($"/api/v1/tasks/{id}/result"));
        Assert.Equal("success", result.GetProperty("result").GetProperty("status").GetString());
        var tags = await client.GetStringAsync("/api/tags");
        Assert.Contains("qwen2:0.5b", tags, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Health_ReportsTheStoreAndItsState()
    {
        await using var fake = await FakeOllama.StartAsync(Model);
        await using var gateway = await GatewayAsync(fake);
        var client = gateway.Client();
        await gateway.Service<SutazAi.Gateway.Storage.StoreHealth>().CheckAsync(TimeProvider.System, TimeSpan.FromSeconds(5), default);
        // /health is 503 while no Ollama server is known healthy; under a loaded start the first probe can time out,
        // so probe once more instead of depending on it.
        var pool = gateway.Service<SutazAi.Gateway.Upstreams.UpstreamPool>();
        await pool.ProbeAsync(pool.Servers[0], default);

        var health = JsonDocument.Parse(await client.GetStringAsync("/health")).RootElement;
        var detail = JsonDocument.Parse(await client.GetStringAsync("/api/v1/health/detailed")).RootElement.GetProperty("data");

        Assert.Equal("healthy", health.GetProperty("services").GetProperty("database").GetString());
        var database = detail.GetProperty("services").GetProperty("database");
        Assert.Equal("healthy", database.GetProperty("status").GetString());
        Assert.Equal(ProviderName, database.GetProperty("provider").GetString());
        Assert.True(database.GetProperty("latency_ms").GetDouble() >= 0);
    }

    [Fact]
    public async Task List_FiltersPaginatesAndRejectsBadParameters()
    {
        await using var fake = await FakeOllama.StartAsync(Model);
        await using var gateway = await GatewayAsync(fake, new() { ["Tasks:Workers"] = "0" });
        var client = gateway.Client();
        for (var i = 0; i < 3; i++)
        {
            await EnqueueAsync(client, """{"task_type":"chat","payload":{"message":"hi"}}""");
        }

        await EnqueueAsync(client, """{"task_type":"embed","payload":{"model":"llama3:latest","input":"x"}}""");

        var page = await DataAsync(await client.GetAsync("/api/v1/tasks?task_type=chat&per_page=2&page=1"));
        Assert.Equal(3, page.GetProperty("total").GetInt64());
        Assert.Equal(2, page.GetProperty("items").GetArrayLength());
        Assert.True(page.GetProperty("has_next").GetBoolean());
        Assert.False(page.GetProperty("has_prev").GetBoolean());
        var second = await DataAsync(await client.GetAsync("/api/v1/tasks?task_type=chat&per_page=2&page=2"));
        Assert.Equal(1, second.GetProperty("items").GetArrayLength());
        Assert.Equal(4, (await DataAsync(await client.GetAsync("/api/v1/tasks?status=queued"))).GetProperty("total").GetInt64());
        Assert.Equal(HttpStatusCode.BadRequest, (await client.GetAsync("/api/v1/tasks?status=done")).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await client.GetAsync("/api/v1/tasks?per_page=1000")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await client.GetAsync("/api/v1/tasks/../../etc")).StatusCode);
    }
}
