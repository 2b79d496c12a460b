using System.Text;
using System.Text.Json;
using SutazAi.Gateway.Tests.Infrastructure;
using SutazAi.TestKit;

namespace SutazAi.Gateway.Tests.Tasks;

/// <summary>
/// RELIABILITY.md CR-01: a replica is killed with SIGKILL while its workers run tasks; another replica on the same
/// store re-runs the tasks whose lease expired. At the end every task is completed exactly once, with one result.
/// </summary>
public abstract class CrashRecoveryContract
{
    private const string Model = "llama3:latest";
    private const int TaskCount = 40;

    private protected abstract Task<Dictionary<string, string?>> StoreSettingsAsync();

    [Fact]
    public async Task Replica_KilledMidWork_AnotherReplicaFinishesEveryTaskOnce()
    {
        await using var fake = await FakeOllama.StartAsync(Model);
        fake.Script("/api/chat", _ => new FakeReply { Chunks = [FakeOllama.ChatLine(Model, "done", done: true)], DelayBeforeHeaders = TimeSpan.FromMilliseconds(150) });
        var settings = await StoreSettingsAsync();
        settings["Ollama:Servers:0"] = fake.BaseUri.ToString();
        settings["Ollama:HealthInterval"] = "00:10:00";
        settings["Tasks:Workers"] = "4";
        settings["Tasks:LeaseDuration"] = "00:00:01";
        settings["Tasks:HeartbeatInterval"] = "00:00:00.200";
        settings["Tasks:RescueInterval"] = "00:00:00.200";
        settings["Tasks:PollInterval"] = "00:00:00.050";
        settings["Tasks:EventPollInterval"] = "00:00:00.050";

        var ids = new List<string>();
        await using (var first = await GatewayProcess.StartAsync(settings))
        {
            using var client = new HttpClient { BaseAddress = first.BaseAddress };
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
}
