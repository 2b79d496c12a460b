using System.Net;
using System.Text;
using System.Text.Json;
using SutazAi.Gateway.Storage;
using SutazAi.Gateway.Tests.Infrastructure;
using SutazAi.TestKit;

namespace SutazAi.Gateway.Tests.Tasks;

/// <summary>RELIABILITY.md ST-01 (API part): PostgreSQL stops and comes back while the gateway runs.</summary>
[Collection(PostgresTests.Name)]
public sealed class DatabaseOutageTests(PostgresServer server)
{
    private const string Chat = """{"task_type":"chat","payload":{"model":"llama3:latest","message":"hi"}}""";

    [Theory]
    [InlineData("fast")]
    [InlineData("immediate")]
    public async Task PostgresDown_Clean503AndDegradedHealth_RecoversWithoutRestart(string stopMode)
    {
        await using var fake = await FakeOllama.StartAsync("llama3:latest");
        await using var gateway = new GatewayFactory([fake.BaseUri], new Dictionary<string, string?>
        {
            ["ConnectionStrings:Postgres"] = await server.CreateDatabaseAsync(),
            ["Tasks:PollInterval"] = "00:00:00.050",
            ["Tasks:EventPollInterval"] = "00:00:00.020",
        });
        var client = gateway.Client();
        Assert.Equal(HttpStatusCode.Created, (await client.PostAsync("/api/v1/tasks", new StringContent(Chat, Encoding.UTF8, "application/json"))).StatusCode);

        await server.StopAsync(stopMode);
        try
        {
            var down = await client.PostAsync("/api/v1/tasks", new StringContent(Chat, Encoding.UTF8, "application/json"));
            Assert.Equal(HttpStatusCode.ServiceUnavailable, down.StatusCode);
            Assert.Equal("5", down.Headers.GetValues("Retry-After").Single());
            var body = await down.Content.ReadAsStringAsync();
            Assert.Equal("DATABASE_ERROR", JsonDocument.Parse(body).RootElement.GetProperty("error").GetProperty("code").GetString());
            Assert.DoesNotContain("Npgsql", body, StringComparison.Ordinal);
            Assert.DoesNotContain("127.0.0.1", body, StringComparison.Ordinal);

            await gateway.Service<StoreHealth>().CheckAsync(TimeProvider.System, TimeSpan.FromSeconds(2), default);
            var health = await client.GetAsync("/health");
            var services = JsonDocument.Parse(await health.Content.ReadAsStringAsync()).RootElement.GetProperty("services");
            Assert.Equal("unhealthy", services.GetProperty("database").GetString());

            // Inference does not depend on the database.
            var chat = await client.PostAsync("/api/chat", new StringContent("""{"model":"llama3:latest","stream":false,"messages":[{"role":"user","content":"x"}]}""", Encoding.UTF8, "application/json"));
            Assert.Equal(HttpStatusCode.OK, chat.StatusCode);
        }
        finally
        {
            await server.StartAsync();
        }

        // The pool recovers on its own: at most the first use of each broken pooled connection fails (cleanly).
        string? id = null;
        for (var attempt = 0; attempt < 5 && id is null; attempt++)
        {
            var response = await client.PostAsync("/api/v1/tasks", new StringContent(Chat, Encoding.UTF8, "application/json"));
            Assert.True(response.StatusCode is HttpStatusCode.Created or HttpStatusCode.ServiceUnavailable, $"{response.StatusCode}");
            id = response.StatusCode == HttpStatusCode.Created
                ? JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("data").GetProperty("task_id").GetString()
                : null;
        }

        Assert.NotNull(id);
        var events = await client.GetStringAsync($"/api/v1/tasks/{id}/events").WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Contains("event: completed", events, StringComparison.Ordinal);
    }

    [Fact]
    public async Task PostgresDownWhileTaskRuns_WorkersSurviveAndTaskIsRerunAfterItsLease()
    {
        await using var fake = await FakeOllama.StartAsync("llama3:latest");
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var calls = 0;
        fake.Script("/api/chat", _ => Interlocked.Increment(ref calls) == 1
            ? new FakeReply { Chunks = [FakeOllama.ChatLine("llama3:latest", "first", done: true)], HeadersGate = release.Task }
            : FakeReply.Json(FakeOllama.ChatLine("llama3:latest", "second", done: true)));
        await using var gateway = new GatewayFactory([fake.BaseUri], new Dictionary<string, string?>
        {
            ["ConnectionStrings:Postgres"] = await server.CreateDatabaseAsync(),
            ["Tasks:Workers"] = "1",
            ["Tasks:PollInterval"] = "00:00:00.050",
            ["Tasks:EventPollInterval"] = "00:00:00.020",
            ["Tasks:LeaseDuration"] = "00:00:01",
            ["Tasks:HeartbeatInterval"] = "00:00:00.200",
            ["Tasks:RescueInterval"] = "00:00:00.200",
        });
        var client = gateway.Client();
        var created = await client.PostAsync("/api/v1/tasks", new StringContent(Chat, Encoding.UTF8, "application/json"));
        var id = JsonDocument.Parse(await created.Content.ReadAsStringAsync()).RootElement.GetProperty("data").GetProperty("task_id").GetString()!;
        await fake.WaitForRequestsAsync("/api/chat", 1).WaitAsync(TimeSpan.FromSeconds(10));

        await server.StopAsync("immediate");
        try
        {
            // The handler finishes while the database is away: its outcome cannot be recorded.
            release.SetResult();
            await fake.RequestsTo("/api/chat")[0].Finished.WaitAsync(TimeSpan.FromSeconds(10));
        }
        finally
        {
            await server.StartAsync();
        }

        // The only worker is still alive: the lease expires, the task is re-run and completes.
        var events = await client.GetStringAsync($"/api/v1/tasks/{id}/events").WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Contains("event: completed", events, StringComparison.Ordinal);
        var result = JsonDocument.Parse(await client.GetStringAsync($"/api/v1/tasks/{id}/result")).RootElement.GetProperty("data");
        Assert.Equal("second", result.GetProperty("result").GetProperty("response").GetString());
        Assert.Equal(2, fake.RequestsTo("/api/chat").Count);
    }

    /// <summary>ST-02: the database is down when the gateway starts.</summary>
    [Fact]
    public async Task PostgresDownAtStart_GatewayStartsNotReady_ThenMigratesWhenItComesBack()
    {
        await using var fake = await FakeOllama.StartAsync("llama3:latest");
        await using var gateway = new GatewayFactory([fake.BaseUri], new Dictionary<string, string?>
        {
            ["ConnectionStrings:Postgres"] = await server.CreateDatabaseAsync(),
            ["Tasks:PollInterval"] = "00:00:00.050",
            ["Tasks:EventPollInterval"] = "00:00:00.020",
        });
        await server.StopAsync();
        try
        {
            // The gateway starts only now, with the database down.
            var client = gateway.Client();
            await gateway.Service<SutazAi.Gateway.Upstreams.UpstreamPool>().ProbeAsync(gateway.Service<SutazAi.Gateway.Upstreams.UpstreamPool>().Servers[0], default);

            Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/health/live")).StatusCode);
            Assert.Equal(HttpStatusCode.ServiceUnavailable, (await client.GetAsync("/health/ready")).StatusCode);
            Assert.Equal(HttpStatusCode.ServiceUnavailable, (await client.PostAsync("/api/v1/tasks", new StringContent(Chat, Encoding.UTF8, "application/json"))).StatusCode);
        }
        finally
        {
            await server.StartAsync();
        }

        // Readiness is itself a polled signal: wait (bounded) for the background migration to catch up.
        var store = gateway.Service<StoreHealth>();
        for (var i = 0; i < 200 && !store.Migrated; i++)
        {
            await Task.Delay(50);
        }

        await store.CheckAsync(TimeProvider.System, TimeSpan.FromSeconds(5), default);
        var ready = gateway.Client();
        Assert.Equal(HttpStatusCode.OK, (await ready.GetAsync("/health/ready")).StatusCode);
        var created = await ready.PostAsync("/api/v1/tasks", new StringContent(Chat, Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
    }

    /// <summary>ST-01: PostgreSQL restarts while 20 tasks run; at the end every task is completed once, with one result (checked in SQL).</summary>
    [Theory]
    [InlineData("fast")]
    [InlineData("immediate")]
    public async Task PostgresRestartWhileTasksRun_EveryTaskEndsCompletedExactlyOnce(string stopMode)
    {
        await using var fake = await FakeOllama.StartAsync("llama3:latest");
        fake.Script("/api/chat", _ => new FakeReply { Chunks = [FakeOllama.ChatLine("llama3:latest", "done", done: true)], DelayBeforeHeaders = TimeSpan.FromMilliseconds(300) });
        var connection = await server.CreateDatabaseAsync();
        await using var gateway = new GatewayFactory([fake.BaseUri], new Dictionary<string, string?>
        {
            ["ConnectionStrings:Postgres"] = connection,
            ["Tasks:Workers"] = "4",
            ["Tasks:PollInterval"] = "00:00:00.050",
            ["Tasks:EventPollInterval"] = "00:00:00.020",
            ["Tasks:LeaseDuration"] = "00:00:01",
            ["Tasks:HeartbeatInterval"] = "00:00:00.200",
            ["Tasks:RescueInterval"] = "00:00:00.200",
            ["Tasks:RetryBaseDelay"] = "00:00:00.050",
            ["Tasks:MaxAttempts"] = "10",
        });
        var client = gateway.Client();
        var ids = new List<string>();
        for (var i = 0; i < 20; i++)
        {
            var created = await client.PostAsync("/api/v1/tasks", new StringContent(Chat.Replace("hi", $"task {i}", StringComparison.Ordinal), Encoding.UTF8, "application/json"));
            ids.Add(JsonDocument.Parse(await created.Content.ReadAsStringAsync()).RootElement.GetProperty("data").GetProperty("task_id").GetString()!);
        }

        await fake.WaitForRequestsAsync("/api/chat", 4).WaitAsync(TimeSpan.FromSeconds(10));
        await server.StopAsync(stopMode);
        await server.StartAsync();

        foreach (var id in ids)
        {
            // Right after the restart a request may still meet a broken pooled connection: a clean 503, then it works.
            for (var attempt = 0; ; attempt++)
            {
                var response = await client.GetAsync($"/api/v1/tasks/{id}/events");
                if (response.StatusCode == HttpStatusCode.OK)
                {
                    Assert.Contains("event: completed", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
                    break;
                }

                Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
                Assert.True(attempt < 5, "the store did not recover");
            }
        }

        await using var sql = new Npgsql.NpgsqlConnection(connection);
        await sql.OpenAsync();
        await using (var statuses = new Npgsql.NpgsqlCommand("SELECT status, COUNT(*) FROM tasks GROUP BY status", sql))
        await using (var reader = await statuses.ExecuteReaderAsync())
        {
            Assert.True(await reader.ReadAsync());
            Assert.Equal("completed", reader.GetString(0));
            Assert.Equal(20, reader.GetInt64(1));
            Assert.False(await reader.ReadAsync());
        }

        await using var once = new Npgsql.NpgsqlCommand(
            "SELECT COUNT(*) FROM tasks t WHERE t.result IS NULL OR (SELECT COUNT(*) FROM task_events e WHERE e.task_id = t.id AND e.event_type = 'completed') <> 1", sql);
        Assert.Equal(0L, await once.ExecuteScalarAsync());
    }
}
