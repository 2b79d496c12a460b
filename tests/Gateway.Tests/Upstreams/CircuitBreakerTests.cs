using System.Net;
using System.Text;
using System.Text.Json;
using SutazAi.Gateway.Tests.Infrastructure;
using SutazAi.TestKit;

namespace SutazAi.Gateway.Tests.Upstreams;

/// <summary>RELIABILITY.md UP-05 with a manual clock: ratio 0.5, minimum 10 calls, sampling 10 s, break 5 s.</summary>
public sealed class CircuitBreakerTests
{
    private const string Model = "llama3:latest";
    private const string Chat = """{"model":"llama3:latest","stream":false,"messages":[{"role":"user","content":"x"}]}""";

    private static StringContent Body() => new(Chat, Encoding.UTF8, "application/json");

    private static GatewayFactory Gateway(FakeOllama fake, ManualTimeProvider time) => new([fake.BaseUri], new Dictionary<string, string?>
    {
        ["Ollama:CircuitBreaker:FailureRatio"] = "0.5",
        ["Ollama:CircuitBreaker:MinimumThroughput"] = "10",
        ["Ollama:CircuitBreaker:SamplingDuration"] = "00:00:10",
        ["Ollama:CircuitBreaker:BreakDuration"] = "00:00:05",
    }, time);

    [Fact]
    public async Task Breaker_OpensAfterThreshold_ProbesOnceAfterBreak_ClosesOnSuccess()
    {
        var time = new ManualTimeProvider();
        await using var fake = await FakeOllama.StartAsync(Model);
        fake.Script("/api/chat", _ => FakeReply.Error(500, "boom"));
        await using var gateway = Gateway(fake, time);
        var client = gateway.Client();

        for (var i = 0; i < 10; i++)
        {
            Assert.Equal(HttpStatusCode.BadGateway, (await client.PostAsync("/api/chat", Body())).StatusCode);
        }

        var open = await client.PostAsync("/v1/chat/completions", Body());
        Assert.Equal(HttpStatusCode.ServiceUnavailable, open.StatusCode);
        Assert.Equal("upstream_circuit_open", JsonDocument.Parse(await open.Content.ReadAsStringAsync()).RootElement.GetProperty("error").GetProperty("code").GetString());
        Assert.InRange(int.Parse(open.Headers.GetValues("Retry-After").Single(), System.Globalization.CultureInfo.InvariantCulture), 1, 5);
        Assert.Equal(10, fake.RequestsTo("/api/chat").Count);

        // After the break one probe goes through; while it is in flight everyone else gets 503.
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        fake.Script("/api/chat", _ => new FakeReply { Chunks = [FakeOllama.ChatLine(Model, "ok", done: true)], HeadersGate = gate.Task });
        time.Advance(TimeSpan.FromSeconds(5.1));
        var pending = Enumerable.Range(0, 20).Select(_ => client.PostAsync("/api/chat", Body())).ToList();
        var rejected = 0;
        while (pending.Count > 1)
        {
            var done = await Task.WhenAny(pending).WaitAsync(TimeSpan.FromSeconds(10));
            pending.Remove(done);
            Assert.Equal(HttpStatusCode.ServiceUnavailable, (await done).StatusCode);
            rejected++;
        }

        Assert.Equal(19, rejected);
        // The admitted probe may still be on its way to the server when the others have been refused.
        await fake.WaitForRequestsAsync("/api/chat", 11).WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal(11, fake.RequestsTo("/api/chat").Count);
        gate.SetResult();
        Assert.Equal(HttpStatusCode.OK, (await pending[0]).StatusCode);

        // Probe success closed the circuit.
        Assert.Equal(HttpStatusCode.OK, (await client.PostAsync("/api/chat", Body())).StatusCode);
        var states = await client.GetStringAsync("/api/v1/health/circuit-breakers");
        Assert.Equal("closed", JsonDocument.Parse(states).RootElement.GetProperty("data").GetProperty("circuit_breakers")[0].GetProperty("state").GetString());
    }

    [Fact]
    public async Task Breaker_UnknownModelsAndClientErrors_DoNotOpenIt()
    {
        var time = new ManualTimeProvider();
        await using var fake = await FakeOllama.StartAsync(Model);
        fake.Script("/api/chat", _ => FakeReply.Error(400, "bad options"));
        await using var gateway = Gateway(fake, time);
        var client = gateway.Client();

        for (var i = 0; i < 15; i++)
        {
            var response = await client.PostAsync("/api/chat", Body());
            Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
            Assert.Equal("bad options", JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("error").GetString());
        }

        Assert.Equal(15, fake.RequestsTo("/api/chat").Count);
    }
}
