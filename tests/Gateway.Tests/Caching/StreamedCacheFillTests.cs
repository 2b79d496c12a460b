using System.Net;
using System.Text;
using System.Text.Json;
using SutazAi.Gateway.Tests.Infrastructure;
using SutazAi.TestKit;

namespace SutazAi.Gateway.Tests.Caching;

/// <summary>
/// A deterministic streamed answer fills the cache as a non-streamed one does (rebuilt into the single answer the
/// upstream would have sent with stream:false); /api/generate is cached like chat; broken streams are never stored.
/// </summary>
public sealed class StreamedCacheFillTests
{
    private const string Model = "llama3:latest";
    private const string StreamedChat = """{"model":"llama3:latest","messages":[{"role":"user","content":"hi"}],"options":{"temperature":0}}""";
    private const string PlainChat = """{"model":"llama3:latest","stream":false,"messages":[{"role":"user","content":"hi"}],"options":{"temperature":0}}""";

    private static StringContent Json(string json) => new(json, Encoding.UTF8, "application/json");

    [Fact]
    public async Task StreamedChat_FillsTheCache_LaterCallsOnEverySurfaceAreHits()
    {
        await using var fake = await FakeOllama.StartAsync(Model);
        fake.Script("/api/chat", _ => FakeReply.Ndjson([
            FakeOllama.ChatLine(Model, "", thinking: "Let me think. "),
            FakeOllama.ChatLine(Model, "Hello"),
            FakeOllama.ChatLine(Model, " world"),
            FakeOllama.ChatLine(Model, "", done: true, promptEval: 9, eval: 4),
        ]));
        await using var gateway = GatewayFactory.For(fake);
        var client = gateway.Client();

        var streamed = Sse.NdjsonLines(await (await client.PostAsync("/api/chat", Json(StreamedChat))).Content.ReadAsStringAsync());
        var plain = JsonDocument.Parse(await (await client.PostAsync("/api/chat", Json(PlainChat))).Content.ReadAsStringAsync()).RootElement;
        var openai = JsonDocument.Parse(await (await client.PostAsync("/v1/chat/completions",
            Json("""{"model":"llama3:latest","messages":[{"role":"user","content":"hi"}],"temperature":0}"""))).Content.ReadAsStringAsync()).RootElement;
        Assert.Equal(4, streamed.Count);
        Assert.Single(fake.RequestsTo("/api/chat"));

        // The SutazAI route asks for more (num_predict 2048 by default), so it is another entry: filled by its
        // first stream, replayed to the second.
        const string sutazChat = """{"model":"llama3:latest","message":"hi","temperature":0}""";
        var sutazFirst = await (await client.PostAsync("/api/v1/chat/stream", Json(sutazChat))).Content.ReadAsStringAsync();
        var sutaz = await (await client.PostAsync("/api/v1/chat/stream", Json(sutazChat))).Content.ReadAsStringAsync();
        Assert.Equal(2, fake.RequestsTo("/api/chat").Count);
        Assert.Equal(3, Sse.JsonEvents(sutazFirst).Count);
        Assert.Equal("Hello world", plain.GetProperty("message").GetProperty("content").GetString());
        Assert.Equal("Let me think. ", plain.GetProperty("message").GetProperty("thinking").GetString());
        Assert.True(plain.GetProperty("done").GetBoolean());
        Assert.Equal(9, plain.GetProperty("prompt_eval_count").GetInt32());
        Assert.Equal("Hello world", openai.GetProperty("choices")[0].GetProperty("message").GetProperty("content").GetString());
        Assert.Equal(13, openai.GetProperty("usage").GetProperty("total_tokens").GetInt32());
        var events = Sse.JsonEvents(sutaz);
        Assert.Equal("Hello world", events[0].GetProperty("token").GetString());
        Assert.True(events[^1].GetProperty("finish").GetBoolean());
        Assert.Equal(13, events[^1].GetProperty("tokens_used").GetInt32());
    }

    [Fact]
    public async Task StreamedToolCalls_AreKeptInTheCachedAnswer()
    {
        await using var fake = await FakeOllama.StartAsync(Model);
        const string call = """[{"function":{"name":"get_weather","arguments":{"city":"Paris"}}}]""";
        fake.Script("/api/chat", _ => FakeReply.Ndjson([FakeOllama.ChatLine(Model, "", toolCallsJson: call), FakeOllama.ChatLine(Model, "", done: true)]));
        await using var gateway = GatewayFactory.For(fake);
        var client = gateway.Client();

        using (await client.PostAsync("/api/chat", Json(StreamedChat)))
        {
        }

        var plain = JsonDocument.Parse(await (await client.PostAsync("/api/chat", Json(PlainChat))).Content.ReadAsStringAsync()).RootElement;

        Assert.Single(fake.RequestsTo("/api/chat"));
        var function = plain.GetProperty("message").GetProperty("tool_calls")[0].GetProperty("function");
        Assert.Equal("get_weather", function.GetProperty("name").GetString());
        Assert.Equal("Paris", function.GetProperty("arguments").GetProperty("city").GetString());
    }

    [Fact]
    public async Task StreamBrokenMidway_NothingIsCached()
    {
        await using var fake = await FakeOllama.StartAsync(Model);
        fake.Script("/api/chat", _ => new FakeReply
        {
            ContentType = "application/x-ndjson",
            Chunks = [FakeOllama.ChatLine(Model, "Hel") + "\n", FakeOllama.ChatLine(Model, "lo") + "\n", FakeOllama.ChatLine(Model, "", done: true) + "\n"],
            AbortAfterChunks = 2,
        });
        await using var gateway = GatewayFactory.For(fake);
        var client = gateway.Client();

        var broken = await (await client.PostAsync("/api/chat", Json(StreamedChat))).Content.ReadAsStringAsync();
        fake.ClearScripts();
        var plain = await client.PostAsync("/api/chat", Json(PlainChat));

        Assert.Contains("\"error\"", broken, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.OK, plain.StatusCode);
        Assert.Equal(2, fake.RequestsTo("/api/chat").Count);
    }

    [Fact]
    public async Task RandomSamplingStream_NotCached()
    {
        await using var fake = await FakeOllama.StartAsync(Model);
        await using var gateway = GatewayFactory.For(fake);
        var client = gateway.Client();
        const string random = """{"model":"llama3:latest","messages":[{"role":"user","content":"hi"}],"options":{"temperature":0.8}}""";

        for (var i = 0; i < 2; i++)
        {
            using var response = await client.PostAsync("/api/chat", Json(random));
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            await response.Content.ReadAsStringAsync();
        }

        Assert.Equal(2, fake.RequestsTo("/api/chat").Count);
    }

    [Fact]
    public async Task Generate_DeterministicAnswersCachedAndReplayedAsAStream()
    {
        await using var fake = await FakeOllama.StartAsync(Model);
        await using var gateway = GatewayFactory.For(fake);
        var client = gateway.Client();
        const string streamed = """{"model":"llama3:latest","prompt":"Why is the sky blue?","options":{"seed":7}}""";
        const string plain = """{"model":"llama3:latest","prompt":"Why is the sky blue?","stream":false,"options":{"seed":7}}""";

        var first = Sse.NdjsonLines(await (await client.PostAsync("/api/generate", Json(streamed))).Content.ReadAsStringAsync());
        var fromCache = JsonDocument.Parse(await (await client.PostAsync("/api/generate", Json(plain))).Content.ReadAsStringAsync()).RootElement;
        var replay = await client.PostAsync("/api/generate", Json(streamed));
        var otherPrompt = await client.PostAsync("/api/generate", Json(plain.Replace("sky", "sea", StringComparison.Ordinal)));

        Assert.True(first.Count > 1);
        Assert.Equal("Hello from the fake model", fromCache.GetProperty("response").GetString());
        Assert.True(fromCache.GetProperty("done").GetBoolean());
        Assert.Equal("application/x-ndjson", replay.Content.Headers.ContentType?.MediaType);
        var line = Assert.Single(Sse.NdjsonLines(await replay.Content.ReadAsStringAsync()));
        Assert.Equal("Hello from the fake model", line.GetProperty("response").GetString());
        Assert.Equal(HttpStatusCode.OK, otherPrompt.StatusCode);
        Assert.Equal(2, fake.RequestsTo("/api/generate").Count);
        var keys = JsonDocument.Parse(await client.GetStringAsync("/api/v1/cache/keys")).RootElement.GetProperty("data").GetProperty("items");
        Assert.Equal(2, keys.EnumerateArray().Count(k => k.GetProperty("key").GetString()!.StartsWith("generate:", StringComparison.Ordinal)));
    }

    [Fact]
    public async Task ModelLoadAndUnloadAnswers_NeverCached()
    {
        await using var fake = await FakeOllama.StartAsync(Model);
        fake.Script("/api/generate", request => FakeReply.Json(
            $$"""{"model":"llama3:latest","created_at":"2026-11-22T00:00:00Z","response":"","done":true,"done_reason":"{{(request.Body.Contains("keep_alive", StringComparison.Ordinal) ? "unload" : "load")}}"}"""));
        await using var gateway = GatewayFactory.For(fake);
        var client = gateway.Client();

        for (var i = 0; i < 2; i++)
        {
            Assert.Equal(HttpStatusCode.OK, (await client.PostAsync("/api/generate", Json("""{"model":"llama3:latest","stream":false,"options":{"temperature":0}}"""))).StatusCode);
            Assert.Equal(HttpStatusCode.OK, (await client.PostAsync("/api/generate", Json("""{"model":"llama3:latest","stream":false,"keep_alive":0,"options":{"temperature":0}}"""))).StatusCode);
        }

        Assert.Equal(4, fake.RequestsTo("/api/generate").Count);
    }

    [Fact]
    public async Task LogprobsRequested_NeverCached()
    {
        await using var fake = await FakeOllama.StartAsync(Model);
        await using var gateway = GatewayFactory.For(fake);
        var client = gateway.Client();
        const string withLogprobs = """{"model":"llama3:latest","messages":[{"role":"user","content":"hi"}],"logprobs":true,"options":{"temperature":0}}""";

        for (var i = 0; i < 2; i++)
        {
            using var response = await client.PostAsync("/api/chat", Json(withLogprobs));
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            await response.Content.ReadAsStringAsync();
        }

        Assert.Equal(2, fake.RequestsTo("/api/chat").Count);
    }
}
