using System.Text;
using System.Text.Json;
using SutazAi.Gateway.Tests.Infrastructure;
using SutazAi.TestKit;

namespace SutazAi.Gateway.Tests.Tasks;

/// <summary>
/// RELIABILITY.md CR-01: a replica is killed with SIGKILL while its workers run tasks; another replica on the same
/// store re-runs the tasks whose lease expired. At the end every task is completed exactly once, with one result.
/// </summary>
public abstract partial class CrashRecoveryContract
{
    private const string Model = "llama3:latest";
    private const int TaskCount = 40;

    private protected abstract Task<Dictionary<string, string?>> StoreSettingsAsync();

    private async Task<Dictionary<string, string?>> SettingsAsync(FakeOllama fake)
    {
        var settings = await StoreSettingsAsync();
        settings["Ollama:Servers:0"] = fake.BaseUri.ToString();
        settings["Ollama:HealthInterval"] = "00:10:00";
        settings["Tasks:Workers"] = "4";
        settings["Tasks:LeaseDuration"] = "00:00:01";
        settings["Tasks:HeartbeatInterval"] = "00:00:00.200";
        settings["Tasks:RescueInterval"] = "00:00:00.200";
        settings["Tasks:PollInterval"] = "00:00:00.050";
        settings["Tasks:EventPollInterval"] = "00:00:00.050";
        return settings;
    }

    /// <summary>
    /// CR-06: two replicas with four workers each drain one queue of 1,000 tasks: no task is claimed twice without a
    /// crash, both replicas work, and priorities hold (higher-priority tasks start earlier).
    /// </summary>
    [Fact]
    public async Task TwoReplicas_CompetingClaimers_EachTaskRunsExactlyOnce()
    {
        const int count = 1000;
        await using var fake = await FakeOllama.StartAsync(Model);
        // 40 ms per task (about 5 s for the queue): a replica starting a moment after the other still finds work.
        fake.Script("/api/chat", _ => new FakeReply { Chunks = [FakeOllama.ChatLine(Model, "done", done: true)], DelayBeforeHeaders = TimeSpan.FromMilliseconds(40) });
        var settings = await SettingsAsync(fake);
        settings["Tasks:LeaseDuration"] = "00:00:30";

        // A replica without workers takes the requests; the whole queue is stored before the worker replicas start,
        // so they only see the tasks by claiming, all at once.
        var frontSettings = new Dictionary<string, string?>(settings) { ["Tasks:Workers"] = "0" };
        await using var front = await GatewayProcess.StartAsync(frontSettings);
        using var client = new HttpClient { BaseAddress = front.BaseAddress, Timeout = TimeSpan.FromSeconds(60) };
        TestAuth.Authorize(client);
        var priorities = new Dictionary<string, int>();
        await Parallel.ForAsync(0, count, new ParallelOptions { MaxDegreeOfParallelism = 8 }, async (i, ct) =>
        {
            var response = await client.PostAsync("/api/v1/tasks",
                new StringContent($$$"""{"task_type":"chat","payload":{"model":"{{{Model}}}","message":"task {{{i}}}"},"priority":{{{i % 11}}}}""", Encoding.UTF8, "application/json"), ct);
            response.EnsureSuccessStatusCode();
            var id = JsonDocument.Parse(await response.Content.ReadAsStringAsync(ct)).RootElement.GetProperty("data").GetProperty("task_id").GetString()!;
            lock (priorities)
            {
                priorities.Add(id, i % 11);
            }
        });

        var replicas = await Task.WhenAll(GatewayProcess.StartAsync(settings), GatewayProcess.StartAsync(settings));
        await using var first = replicas[0];
        await using var second = replicas[1];

        var workers = new HashSet<string>();
        var startedAt = new Dictionary<int, List<DateTimeOffset>>();
        foreach (var (id, priority) in priorities)
        {
            // The event stream ends at the terminal event.
            var events = await client.GetStringAsync($"/api/v1/tasks/{id}/events");
            var lines = events.Split('\n').Where(l => l.StartsWith("data: ", StringComparison.Ordinal))
                .Select(l => JsonDocument.Parse(l["data: ".Length..]).RootElement).ToList();
            var started = Assert.Single(lines, e => e.GetProperty("type").GetString() == "started");
            Assert.Single(lines, e => e.GetProperty("type").GetString() == "completed");
            workers.Add(started.GetProperty("data").GetProperty("worker").GetString()!);
            (startedAt.TryGetValue(priority, out var times) ? times : startedAt[priority] = []).Add(started.GetProperty("created_at").GetDateTimeOffset());
        }

        Assert.Equal(2, workers.Count);
        Assert.Equal(count, fake.RequestsTo("/api/chat").Count);
        Assert.True(Median(startedAt[10]) <= Median(startedAt[5]) && Median(startedAt[5]) <= Median(startedAt[0]),
            $"median start by priority: 10 {Median(startedAt[10]):O}, 5 {Median(startedAt[5]):O}, 0 {Median(startedAt[0]):O}");
        var completed = JsonDocument.Parse(await client.GetStringAsync("/api/v1/tasks?status=completed&per_page=1")).RootElement;
        Assert.Equal(count, completed.GetProperty("data").GetProperty("total").GetInt64());
    }

    private static DateTimeOffset Median(List<DateTimeOffset> times) => times.Order().ElementAt(times.Count / 2);

    [Fact]
    public async Task Replica_Terminated_ReleasesRunningTaskWithoutUsingAnAttempt()
    {
        await using var fake = await FakeOllama.StartAsync(Model);
        fake.Script("/api/chat", _ => new FakeReply { Chunks = [FakeOllama.ChatLine(Model, "late", done: true)], HeadersGate = new TaskCompletionSource().Task });
        var settings = await SettingsAsync(fake);
        settings["Tasks:ShutdownGrace"] = "00:00:00.300";
        string id;
        await using (var worker = await GatewayProcess.StartAsync(settings))
        {
            using var client = new HttpClient { BaseAddress = worker.BaseAddress };
            TestAuth.Authorize(client);
            var response = await client.PostAsync("/api/v1/tasks",
                new StringContent("""{"task_type":"chat","payload":{"model":"llama3:latest","message":"long"}}""", Encoding.UTF8, "application/json"));
            id = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("data").GetProperty("task_id").GetString()!;
            await fake.WaitForRequestsAsync("/api/chat", 1).WaitAsync(TimeSpan.FromSeconds(30));

            await worker.TerminateAsync();
        }

        await fake.RequestsTo("/api/chat")[0].Aborted.WaitAsync(TimeSpan.FromSeconds(5));
        settings["Tasks:Workers"] = "0";
        await using var reader = await GatewayProcess.StartAsync(settings);
        using var http = new HttpClient { BaseAddress = reader.BaseAddress };
        TestAuth.Authorize(http);
        var task = JsonDocument.Parse(await http.GetStringAsync($"/api/v1/tasks/{id}")).RootElement.GetProperty("data");
        Assert.Equal("queued", task.GetProperty("status").GetString());
        Assert.Equal(0, task.GetProperty("attempts").GetInt32());
        Assert.False(task.GetProperty("cancel_requested").GetBoolean());
    }

    [Fact]
    public async Task Replica_KilledMidWork_AnotherReplicaFinishesEveryTaskOnce()
    {
        await using var fake = await FakeOllama.StartAsync(Model);
        fake.Script("/api/chat", _ => new FakeReply { Chunks = [FakeOllama.ChatLine(Model, "done", done: true)], DelayBeforeHeaders = TimeSpan.FromMilliseconds(150) });
        var settings = await SettingsAsync(fake);

        var ids = new List<string>();
        await using (var first = await GatewayProcess.StartAsync(settings))
        {
            using var client = new HttpClient { BaseAddress = first.BaseAddress };
            TestAuth.Authorize(client);
            for (var i = 0; i < TaskCount; i++)
            {
                var response = await client.PostAsync("/api/v1/tasks",
                    new StringContent($$$"""{"task_type":"chat","payload":{"model":"llama3:latest","message":"task {{{i}}}"}}""", Encoding.UTF8, "application/json"));
                response.EnsureSuccessStatusCode();
                ids.Add(JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("data").GetProperty("task_id").GetString()!);
            }

            // Kill it while it is in the middle of the queue: some tasks done, four in flight, the rest queued.
            await fake.WaitForRequestsAsync("/api/chat", 10).WaitAsync(TimeSpan.FromSeconds(30));
            await first.KillAsync();
        }

        await using var second = await GatewayProcess.StartAsync(settings);
        using var survivor = new HttpClient { BaseAddress = second.BaseAddress, Timeout = TimeSpan.FromSeconds(60) };
        TestAuth.Authorize(survivor);
        var rescued = 0;
        foreach (var id in ids)
        {
            // The event stream ends at the task's terminal event.
            var events = await survivor.GetStringAsync($"/api/v1/tasks/{id}/events");
            Assert.Single(events.Split('\n'), l => l is "event: completed");
            Assert.DoesNotContain("event: failed", events, StringComparison.Ordinal);
            rescued += events.Contains("event: retrying", StringComparison.Ordinal) ? 1 : 0;
        }

        // The kill did interrupt work: the tasks in flight were re-queued when their lease expired.
        Assert.InRange(rescued, 1, 4);

        foreach (var id in ids)
        {
            var result = JsonDocument.Parse(await survivor.GetStringAsync($"/api/v1/tasks/{id}/result")).RootElement.GetProperty("data");
            Assert.Equal("completed", result.GetProperty("status").GetString());
            Assert.Equal("done", result.GetProperty("result").GetProperty("response").GetString());
        }

        var completed = JsonDocument.Parse(await survivor.GetStringAsync("/api/v1/tasks?status=completed&per_page=1")).RootElement;
        Assert.Equal(TaskCount, completed.GetProperty("data").GetProperty("total").GetInt64());
        // At least once: the tasks in flight at the kill ran twice upstream, never fewer than once.
        Assert.InRange(fake.RequestsTo("/api/chat").Count, TaskCount, TaskCount + 8);
    }
}

public sealed class SqliteCrashRecoveryTests : CrashRecoveryContract, IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("sutazai-crash-").FullName;

    private protected override Task<Dictionary<string, string?>> StoreSettingsAsync() =>
        Task.FromResult(new Dictionary<string, string?> { ["Storage:DataDirectory"] = _directory });

    public void Dispose() => Directory.Delete(_directory, recursive: true);
}

[Collection(PostgresTests.Name)]
public sealed class PostgresCrashRecoveryTests(PostgresServer server) : CrashRecoveryContract
{
    private protected override async Task<Dictionary<string, string?>> StoreSettingsAsync() =>
        new() { ["ConnectionStrings:Postgres"] = await server.CreateDatabaseAsync() };

    /// <summary>
    /// A task enqueued on one replica starts on another at once (LISTEN/NOTIFY), not after the poll interval: the
    /// worker replica polls only once a minute here, so within the 20 s limit only the notification can wake it.
    /// </summary>
    [Fact]
    public async Task TaskEnqueuedOnAnotherReplica_WakesTheWorkersWithoutWaitingForThePoll()
    {
        await using var fake = await FakeOllama.StartAsync("llama3:latest");
        var settings = await StoreSettingsAsync();
        settings["Ollama:Servers:0"] = fake.BaseUri.ToString();
        settings["Tasks:PollInterval"] = "00:01:00";
        settings["Tasks:EventPollInterval"] = "00:00:00.050";
        await using var worker = await GatewayProcess.StartAsync(settings);
        settings["Tasks:Workers"] = "0";
        await using var front = await GatewayProcess.StartAsync(settings);
        using var client = new HttpClient { BaseAddress = front.BaseAddress, Timeout = TimeSpan.FromSeconds(20) };
        TestAuth.Authorize(client);

        // One after the other: each waits until the previous one completed, so the worker is idle in its poll wait.
        for (var i = 0; i < 3; i++)
        {
            var created = await client.PostAsync("/api/v1/tasks", new StringContent($$$"""{"task_type":"echo","payload":{"n":{{{i}}}}}""", Encoding.UTF8, "application/json"));
            var id = JsonDocument.Parse(await created.Content.ReadAsStringAsync()).RootElement.GetProperty("data").GetProperty("task_id").GetString()!;
            var events = await client.GetStringAsync($"/api/v1/tasks/{id}/events");
            Assert.Contains("event: completed", events, StringComparison.Ordinal);
        }
    }
}
