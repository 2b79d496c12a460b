using System.Net;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;
using SutazAi.Gateway.Agents;
using SutazAi.Gateway.Tests.Infrastructure;
using SutazAi.TestKit;

namespace SutazAi.Gateway.Tests.Agents;

/// <summary>
/// RELIABILITY.md AG-02 through the gateway: twenty tools that ignore cancellation and block their thread. They are
/// abandoned at the tool timeout (2 s here), the model gets a timeout error for each, their late results are dropped,
/// and the gateway keeps serving other requests while they are stuck.
/// </summary>
public sealed class StuckToolTests
{
    private const string Model = "llama3:latest";

    [Fact]
    public async Task TwentyStuckTools_AreAbandonedAtTheTimeout_WhileHealthKeepsAnswering()
    {
        using var release = new ManualResetEventSlim(false);
        using var entered = new CountdownEvent(20);
        var onPoolThreads = 0;
        var stuck = AIFunctionFactory.Create((string what) =>
        {
            if (Thread.CurrentThread.IsThreadPoolThread)
            {
                Interlocked.Increment(ref onPoolThreads);
            }

            entered.Signal();
            release.Wait();
            return "late result for " + what;
        }, "stuck", "Blocks its thread and ignores cancellation.");
        await using var fake = await FakeOllama.StartAsync(Model);
        var calls = string.Join(",", Enumerable.Range(0, 20).Select(i => "{\"function\":{\"name\":\"stuck\",\"arguments\":{\"what\":\"job " + i + "\"}}}"));
        fake.Script("/api/chat", request => request.Json.GetProperty("messages").EnumerateArray().Any(m => m.GetProperty("role").GetString() == "tool")
            ? FakeReply.Ndjson([FakeOllama.ChatLine(Model, "The tools did not answer.", done: true)])
            : FakeReply.Ndjson([FakeOllama.ChatLine(Model, "", done: true, toolCallsJson: $"[{calls}]")]));
        await using var gateway = new GatewayFactory([fake.BaseUri], new Dictionary<string, string?> { ["Agents:ToolTimeout"] = "00:00:02" })
        {
            Services = services => services.AddSingleton(new HostTool(stuck)),
        };
        var client = gateway.Client(TimeSpan.FromSeconds(30));
        await client.PostAsync("/api/v1/agents", new StringContent("""{"name":"waiter","config":{"model_name":"llama3","tools":["stuck"]}}""", Encoding.UTF8, "application/json"));

        var invoke = client.PostAsync("/api/v1/agents/waiter/invoke", new StringContent("""{"message":"run them all"}""", Encoding.UTF8, "application/json"));
        Assert.True(await Task.Run(() => entered.Wait(TimeSpan.FromSeconds(20))), "the twenty calls did not all start");
        var health = await client.GetAsync("/health");
        var healthAnsweredWhileStuck = !release.IsSet;
        var reply = await invoke;
        var runEndedWhileStuck = !release.IsSet;
        release.Set();

        Assert.Equal(HttpStatusCode.OK, health.StatusCode);
        Assert.True(healthAnsweredWhileStuck);
        Assert.True(runEndedWhileStuck);

        // The blocked tools held tool threads, never the pool's: the pool that served /health kept all its threads.
        Assert.Equal(0, onPoolThreads);
        Assert.Equal(HttpStatusCode.OK, reply.StatusCode);
        var data = JsonDocument.Parse(await reply.Content.ReadAsStringAsync()).RootElement.GetProperty("data");
        Assert.Equal("The tools did not answer.", data.GetProperty("response").GetString());
        var results = data.GetProperty("tool_calls").EnumerateArray().ToList();
        Assert.Equal(20, results.Count);
        Assert.All(results, r => Assert.Equal("Error: 'stuck' did not finish within 2 s.", r.GetProperty("result").GetString()));
        var toolMessages = fake.RequestsTo("/api/chat")[1].Json.GetProperty("messages").EnumerateArray().Where(m => m.GetProperty("role").GetString() == "tool").ToList();
        Assert.Equal(20, toolMessages.Count);
        Assert.DoesNotContain(toolMessages, m => m.GetProperty("content").GetString()!.Contains("late result", StringComparison.Ordinal));
    }
}
