using System.Net;
using System.Text;
using System.Text.Json;
using SutazAi.Gateway.Tests.Infrastructure;
using SutazAi.TestKit;

namespace SutazAi.Gateway.Tests.Tasks;

/// <summary>
/// RELIABILITY.md CR-01 (soak), CR-02, CR-04 and CR-05, on both stores. The gateway runs as a child process; the fault
/// host (Gateway.TestHost) is the same gateway with hooks that kill the process at a precise point, and task types
/// that crash it, throw, or make an external side effect.
/// </summary>
public abstract partial class CrashRecoveryContract
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(60);

    /// <summary>CR-04: the process dies before the task is stored; the client's retry with the same key creates it, once.</summary>
    [Fact]
    public async Task Enqueue_KilledBeforeInsert_NothingStoredAndTheRetryCreatesTheTaskOnce()
    {
        await using var fake = await FakeOllama.StartAsync(Model);
        var settings = await SettingsAsync(fake);
        settings["Tasks:Workers"] = "0";
        const string body = """{"task_type":"echo","payload":{"crash":"before_insert"}}""";

        await using (var faulty = await GatewayProcess.StartAsync(settings, GatewayProcess.FaultHost))
        {
            using var client = new HttpClient { BaseAddress = faulty.BaseAddress };
            TestAuth.Authorize(client);
            await Assert.ThrowsAnyAsync<HttpRequestException>(() => client.SendAsync(Keyed(body, "order-1")));
            await faulty.Exited.WaitAsync(Deadline);
        }

        await using var gateway = await GatewayProcess.StartAsync(settings);
        using var http = new HttpClient { BaseAddress = gateway.BaseAddress };
        TestAuth.Authorize(http);
        Assert.Equal(0, await TotalAsync(http, ""));

        using var created = await http.SendAsync(Keyed(body, "order-1"));
        using var again = await http.SendAsync(Keyed(body, "order-1"));

        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        Assert.Equal(HttpStatusCode.OK, again.StatusCode);
        Assert.Equal(await TaskIdAsync(created), await TaskIdAsync(again));
        Assert.Equal(1, await TotalAsync(http, ""));
    }

    /// <summary>
    /// CR-04: the process dies after the task and its first event were stored and before the answer was sent. The retry
    /// with the same key gets that task (200), not a second row; the same key with another body is refused (409).
    /// </summary>
    [Fact]
    public async Task Enqueue_KilledAfterInsertBeforeAnswer_RetryGetsTheStoredTaskAndNoSecondRow()
    {
        await using var fake = await FakeOllama.StartAsync(Model);
        var settings = await SettingsAsync(fake);
        settings["Tasks:Workers"] = "0";
        const string body = """{"task_type":"echo","payload":{"crash":"after_insert"}}""";

        await using (var faulty = await GatewayProcess.StartAsync(settings, GatewayProcess.FaultHost))
        {
            using var client = new HttpClient { BaseAddress = faulty.BaseAddress };
            TestAuth.Authorize(client);
            await Assert.ThrowsAnyAsync<HttpRequestException>(() => client.SendAsync(Keyed(body, "order-2")));
            await faulty.Exited.WaitAsync(Deadline);
        }

        await using var gateway = await GatewayProcess.StartAsync(settings);
        using var http = new HttpClient { BaseAddress = gateway.BaseAddress };
        TestAuth.Authorize(http);
        var stored = Assert.Single(Data(await http.GetStringAsync("/api/v1/tasks")).GetProperty("items").EnumerateArray());
        var id = stored.GetProperty("task_id").GetString()!;
        Assert.Equal("queued", stored.GetProperty("status").GetString());
        Assert.Equal(["queued"], await EventTypesAsync(http, id, untilTerminal: false));

        using var retry = await http.SendAsync(Keyed(body, "order-2"));
        using var other = await http.SendAsync(Keyed("""{"task_type":"echo","payload":{"other":true}}""", "order-2"));

        Assert.Equal(HttpStatusCode.OK, retry.StatusCode);
        Assert.Equal(id, await TaskIdAsync(retry));
        Assert.Equal(HttpStatusCode.Conflict, other.StatusCode);
        Assert.Equal(1, await TotalAsync(http, ""));
    }

    /// <summary>
    /// CR-02: the worker dies after the task's external side effect and before its result is stored. The task runs
    /// again (at least once), but both calls carry the same key (task id and step, not the attempt), so the service
    /// applies the effect once, and the task ends with one result: the first receipt.
    /// </summary>
    [Fact]
    public async Task SideEffect_KilledBeforeTheResultIsStored_EffectAppliedOnceAndOneResult()
    {
        await using var fake = await FakeOllama.StartAsync(Model);
        await using var tool = await FakeToolServer.StartAsync();
        var settings = await SettingsAsync(fake);
        settings["Tasks:Workers"] = "1";
        var body = $$$"""{"task_type":"side_effect","payload":{"url":"{{{tool.EffectUri}}}","kill_on_attempt":1}}""";

        // The API is served by a replica without workers (it knows the fault task types too); the other only runs the task.
        var frontSettings = new Dictionary<string, string?>(settings) { ["Tasks:Workers"] = "0" };
        await using var front = await GatewayProcess.StartAsync(frontSettings, GatewayProcess.FaultHost);
        using var http = new HttpClient { BaseAddress = front.BaseAddress, Timeout = Deadline };
        TestAuth.Authorize(http);
        var id = await TaskIdAsync(await http.PostAsync("/api/v1/tasks", Json(body)));
        await using (var first = await GatewayProcess.StartAsync(settings, GatewayProcess.FaultHost, worker: true))
        {
            await first.Exited.WaitAsync(Deadline);
        }

        await using var second = await GatewayProcess.StartAsync(settings, GatewayProcess.FaultHost, worker: true);
        var events = await EventTypesAsync(http, id, untilTerminal: true);

        Assert.Equal(2, tool.Calls.Count);
        Assert.All(tool.Calls, key => Assert.Equal($"{id}:effect", key));
        Assert.Equal(1, tool.Effects);
        Assert.Single(events, e => e == "completed");
        var result = Data(await http.GetStringAsync($"/api/v1/tasks/{id}/result"));
        Assert.Equal("effect-1", result.GetProperty("result").GetProperty("receipt").GetString());
        Assert.Equal(2, Data(await http.GetStringAsync($"/api/v1/tasks/{id}")).GetProperty("attempts").GetInt32());
    }

    /// <summary>CR-05: a handler that throws every time is retried with backoff up to the maximum, then dead-lettered with its history.</summary>
    [Fact]
    public async Task PoisonTask_HandlerAlwaysThrows_DeadLetteredAfterMaxAttemptsWithHistory()
    {
        await using var fake = await FakeOllama.StartAsync(Model);
        var settings = await SettingsAsync(fake);
        settings["Tasks:MaxAttempts"] = "3";
        settings["Tasks:RetryBaseDelay"] = "00:00:00.050";
        await using var gateway = await GatewayProcess.StartAsync(settings, GatewayProcess.FaultHost);
        using var http = new HttpClient { BaseAddress = gateway.BaseAddress, Timeout = Deadline };
        TestAuth.Authorize(http);

        var id = await TaskIdAsync(await http.PostAsync("/api/v1/tasks", Json("""{"task_type":"throw","payload":{}}""")));
        var events = await EventTypesAsync(http, id, untilTerminal: true);

        Assert.Equal(["queued", "started", "retrying", "started", "retrying", "started", "failed"], events);
        var task = Data(await http.GetStringAsync($"/api/v1/tasks/{id}"));
        Assert.Equal("failed", task.GetProperty("status").GetString());
        Assert.Equal(3, task.GetProperty("attempts").GetInt32());
        Assert.Equal("the task handler failed", task.GetProperty("error").GetString());
    }

    /// <summary>
    /// CR-05: a task that crashes the whole process on every attempt. After each crash the process is restarted (as
    /// a supervisor would); the lease of the crashed attempt expires and the task is retried, three times in all,
    /// then dead-lettered and never claimed again. Meanwhile the other tasks complete.
    /// </summary>
    [Fact]
    public async Task PoisonTask_CrashesTheProcessEveryAttempt_DeadLetteredAfterMaxAttemptsWhileOthersFlow()
    {
        await using var fake = await FakeOllama.StartAsync(Model);
        var settings = await SettingsAsync(fake);
        settings["Tasks:MaxAttempts"] = "3";
        settings["Tasks:Workers"] = "1";

        // The API is served by a replica without workers (it knows the fault task types too); the other runs them, and crashes.
        var frontSettings = new Dictionary<string, string?>(settings) { ["Tasks:Workers"] = "0" };
        await using var front = await GatewayProcess.StartAsync(frontSettings, GatewayProcess.FaultHost);
        using var survivor = new HttpClient { BaseAddress = front.BaseAddress, Timeout = Deadline };
        TestAuth.Authorize(survivor);
        var others = new List<string>();
        for (var i = 0; i < 10; i++)
        {
            others.Add(await TaskIdAsync(await survivor.PostAsync("/api/v1/tasks", Json($$"""{"task_type":"echo","payload":{"n":{{i}}},"priority":1}"""))));
        }

        var poison = await TaskIdAsync(await survivor.PostAsync("/api/v1/tasks", Json("""{"task_type":"crash","payload":{},"priority":10}""")));
        var crashes = 0;
        var gateway = await GatewayProcess.StartAsync(settings, GatewayProcess.FaultHost, worker: true);
        try
        {
            // Supervise (polling, bounded): restart after every crash until the poison task is dead-lettered.
            using var deadline = new CancellationTokenSource(Deadline);
            while (Data(await survivor.GetStringAsync($"/api/v1/tasks/{poison}", deadline.Token)).GetProperty("status").GetString() != "failed")
            {
                if (gateway.Exited.IsCompleted)
                {
                    Assert.NotEqual(0, gateway.ExitCode);
                    crashes++;
                    await gateway.DisposeAsync();
                    gateway = await GatewayProcess.StartAsync(settings, GatewayProcess.FaultHost, worker: true);
                }

                await Task.Delay(TimeSpan.FromMilliseconds(100), deadline.Token);
            }

            foreach (var other in others)
            {
                Assert.Single(await EventTypesAsync(survivor, other, untilTerminal: true), e => e == "completed");
            }

            var task = Data(await survivor.GetStringAsync($"/api/v1/tasks/{poison}"));
            Assert.Equal(3, task.GetProperty("attempts").GetInt32());
            Assert.Equal("lease expired (worker lost)", task.GetProperty("error").GetString());
            Assert.Equal(["queued", "started", "retrying", "started", "retrying", "started", "failed"],
                await EventTypesAsync(survivor, poison, untilTerminal: true));
            Assert.Equal(3, crashes);

            // Not claimed again after exhaustion: a task enqueued now (lower priority than the poison) is claimed
            // and completed by the same process, which is still alive, and the poison task is untouched.
            var updated = task.GetProperty("updated_at").GetString();
            var after = await TaskIdAsync(await survivor.PostAsync("/api/v1/tasks", Json("""{"task_type":"echo","payload":{"after":true},"priority":1}""")));
            Assert.Single(await EventTypesAsync(survivor, after, untilTerminal: true), e => e == "completed");
            Assert.False(gateway.Exited.IsCompleted);
            Assert.Equal(updated, Data(await survivor.GetStringAsync($"/api/v1/tasks/{poison}")).GetProperty("updated_at").GetString());
        }
        finally
        {
            await gateway.DisposeAsync();
        }
    }

    /// <summary>CR-01 soak: 200 tasks and five SIGKILLs at random points; at the end every task completed exactly once.</summary>
    [Fact]
    public async Task Soak_FiveRandomKills_EveryTaskCompletedExactlyOnce()
    {
        const int count = 200;
        await using var fake = await FakeOllama.StartAsync(Model);
        fake.Script("/api/chat", _ => new FakeReply { Chunks = [FakeOllama.ChatLine(Model, "done", done: true)], DelayBeforeHeaders = TimeSpan.FromMilliseconds(20) });
        var settings = await SettingsAsync(fake);
        settings["Tasks:MaxAttempts"] = "10";
        var random = new Random(20261122);

        // The queue is filled through a replica without workers first, so every kill lands while work remains.
        var frontSettings = new Dictionary<string, string?>(settings) { ["Tasks:Workers"] = "0" };
        await using var front = await GatewayProcess.StartAsync(frontSettings);
        using var client = new HttpClient { BaseAddress = front.BaseAddress };
        TestAuth.Authorize(client);
        var ids = new List<string>();
        for (var i = 0; i < count; i++)
        {
            ids.Add(await TaskIdAsync(await client.PostAsync("/api/v1/tasks",
                Json($$$"""{"task_type":"chat","payload":{"model":"{{{Model}}}","message":"task {{{i}}}"}}"""))));
        }

        for (var kill = 0; kill < 5; kill++)
        {
            await using var replica = await GatewayProcess.StartAsync(settings, worker: true);
            await fake.WaitForRequestsAsync("/api/chat", fake.RequestsTo("/api/chat").Count + random.Next(5, 25)).WaitAsync(Deadline);
            await replica.KillAsync();
        }

        await using var last = await GatewayProcess.StartAsync(settings);
        using var http = new HttpClient { BaseAddress = last.BaseAddress, Timeout = Deadline };
        TestAuth.Authorize(http);
        foreach (var id in ids)
        {
            var events = await EventTypesAsync(http, id, untilTerminal: true);
            Assert.Single(events, e => e == "completed");
            Assert.DoesNotContain("failed", events);
        }

        Assert.Equal(count, await TotalAsync(http, "completed"));
        Assert.Equal(count, await TotalAsync(http, ""));
    }

    private static StringContent Json(string body) => new(body, Encoding.UTF8, "application/json");

    private static HttpRequestMessage Keyed(string body, string key) =>
        new(HttpMethod.Post, "/api/v1/tasks") { Content = Json(body), Headers = { { "Idempotency-Key", key } } };

    private static JsonElement Data(string envelope) => JsonDocument.Parse(envelope).RootElement.GetProperty("data");

    private static async Task<string> TaskIdAsync(HttpResponseMessage response)
    {
        Assert.True(response.IsSuccessStatusCode, $"{(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
        return Data(await response.Content.ReadAsStringAsync()).GetProperty("task_id").GetString()!;
    }

    private static async Task<long> TotalAsync(HttpClient http, string status) =>
        Data(await http.GetStringAsync($"/api/v1/tasks?per_page=1{(status.Length > 0 ? "&status=" + status : "")}")).GetProperty("total").GetInt64();

    /// <summary>The task's stored event types in order: the whole SSE stream (which ends at the terminal event), or the events stored so far.</summary>
    private static async Task<List<string>> EventTypesAsync(HttpClient http, string id, bool untilTerminal)
    {
        if (!untilTerminal)
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, $"/api/v1/tasks/{id}/events");
            using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
            using var reader = new StreamReader(await response.Content.ReadAsStreamAsync());
            var stored = new List<string>();
            // A queued task's stream stays open: read the first event only.
            while (await reader.ReadLineAsync() is { } line)
            {
                if (line.StartsWith("event: ", StringComparison.Ordinal))
                {
                    stored.Add(line["event: ".Length..]);
                    return stored;
                }
            }

            return stored;
        }

        var events = await http.GetStringAsync($"/api/v1/tasks/{id}/events");
        return [.. events.Split('\n').Where(l => l.StartsWith("event: ", StringComparison.Ordinal)).Select(l => l["event: ".Length..])];
    }
}
