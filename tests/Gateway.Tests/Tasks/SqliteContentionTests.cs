using System.Collections.Concurrent;
using System.Net;
using System.Text;
using System.Text.Json;
using SutazAi.Gateway.Tests.Infrastructure;
using SutazAi.TestKit;

namespace SutazAi.Gateway.Tests.Tasks;

/// <summary>
/// RELIABILITY.md ST-04: the embedded SQLite store under contention. Two gateway processes on one database file,
/// each with two workers, while 16 API clients enqueue, cancel and list through both. No request may fail with a
/// locked database: writers wait (WAL, busy timeout, short BEGIN IMMEDIATE transactions), they do not error.
/// </summary>
public sealed class SqliteContentionTests : IDisposable
{
    private const int Clients = 16;
    private const int PerClient = 25;
    private readonly string _directory = Directory.CreateTempSubdirectory("sutazai-contention-").FullName;

    [Fact]
    public async Task TwoProcessesAndApiWriters_NoRequestFailsAndEveryTaskEndsOnce()
    {
        await using var fake = await FakeOllama.StartAsync("llama3:latest");
        var settings = new Dictionary<string, string?>
        {
            ["Storage:DataDirectory"] = _directory,
            ["Ollama:Servers:0"] = fake.BaseUri.ToString(),
            ["Tasks:Workers"] = "2",
            ["Tasks:PollInterval"] = "00:00:00.020",
            ["Tasks:EventPollInterval"] = "00:00:00.050",
        };
        await using var one = await GatewayProcess.StartAsync(settings);
        await using var two = await GatewayProcess.StartAsync(settings);
        using var first = new HttpClient { BaseAddress = one.BaseAddress, Timeout = TimeSpan.FromSeconds(60) };
        TestAuth.Authorize(first);
        using var second = new HttpClient { BaseAddress = two.BaseAddress, Timeout = TimeSpan.FromSeconds(60) };
        TestAuth.Authorize(second);

        var failures = new ConcurrentBag<string>();
        var ids = new ConcurrentBag<string>();
        var cancelledWhileQueued = new ConcurrentBag<string>();
        var cancelRequested = new ConcurrentBag<string>();
        await Parallel.ForAsync(0, Clients, new ParallelOptions { MaxDegreeOfParallelism = Clients }, async (client, ct) =>
        {
            var http = client % 2 == 0 ? first : second;
            for (var i = 0; i < PerClient; i++)
            {
                using var created = await http.PostAsync("/api/v1/tasks",
                    new StringContent($$$"""{"task_type":"echo","payload":{"client":{{{client}}},"i":{{{i}}}}}""", Encoding.UTF8, "application/json"), ct);
                var body = await created.Content.ReadAsStringAsync(ct);
                if (created.StatusCode != HttpStatusCode.Created)
                {
                    failures.Add($"enqueue {(int)created.StatusCode}: {body}");
                    continue;
                }

                var id = JsonDocument.Parse(body).RootElement.GetProperty("data").GetProperty("task_id").GetString()!;
                ids.Add(id);
                if (i % 5 == 0)
                {
                    // Cancel through the other replica: queued → 200, running → 202, already finished → 409.
                    using var cancel = await (http == first ? second : first).DeleteAsync($"/api/v1/tasks/{id}", ct);
                    if (cancel.StatusCode is HttpStatusCode.OK)
                    {
                        cancelledWhileQueued.Add(id);
                    }
                    else if (cancel.StatusCode is HttpStatusCode.Accepted)
                    {
                        cancelRequested.Add(id);
                    }
                    else if (cancel.StatusCode != HttpStatusCode.Conflict)
                    {
                        failures.Add($"cancel {(int)cancel.StatusCode}: {await cancel.Content.ReadAsStringAsync(ct)}");
                    }
                }

                using var list = await http.GetAsync("/api/v1/tasks?per_page=5", ct);
                if (list.StatusCode != HttpStatusCode.OK)
                {
                    failures.Add($"list {(int)list.StatusCode}: {await list.Content.ReadAsStringAsync(ct)}");
                }
            }
        });

        Assert.Empty(failures);
        Assert.Equal(Clients * PerClient, ids.Count);

        // Every task ends in exactly one terminal state; the SSE stream ends at it.
        var terminal = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var id in ids)
        {
            var events = (await first.GetStringAsync($"/api/v1/tasks/{id}/events")).Split('\n')
                .Where(l => l is "event: completed" or "event: cancelled" or "event: failed").ToList();
            var end = Assert.Single(events);
            terminal[end] = terminal.GetValueOrDefault(end) + 1;
            if (cancelledWhileQueued.Contains(id))
            {
                Assert.Equal("event: cancelled", end);
            }
        }

        Assert.False(terminal.ContainsKey("event: failed"));
        var total = JsonDocument.Parse(await second.GetStringAsync("/api/v1/tasks?per_page=1")).RootElement.GetProperty("data").GetProperty("total").GetInt64();
        Assert.Equal(Clients * PerClient, total);
        // A running task whose cancellation was requested may still complete first; a queued one never runs.
        Assert.InRange(terminal.GetValueOrDefault("event: cancelled"), cancelledWhileQueued.Count, cancelledWhileQueued.Count + cancelRequested.Count);
    }

    public void Dispose() => Directory.Delete(_directory, recursive: true);
}
