using System.Net;
using System.Text;
using System.Text.Json;
using SutazAi.Gateway.Tests.Infrastructure;
using SutazAi.TestKit;

namespace SutazAi.Gateway.Tests.Caching;

/// <summary>The exact-match response cache: deterministic requests only, shared by every surface, replayed as streams.</summary>
public sealed class ResponseCacheTests
{
    private const string Model = "llama3:latest";

    private static StringContent Json(string json) => new(json, Encoding.UTF8, "application/json");

    private static async Task<JsonElement> DataAsync(HttpClient client, string path) =>
        JsonDocument.Parse(await client.GetStringAsync(path)).RootElement.GetProperty("data");

    [Fact]
    public async Task DeterministicChat_SecondCallServedFromCache_AcrossSurfaces()
    {
        await using var fake = await FakeOllama.StartAsync(Model);
        await using var gateway = GatewayFactory.For(fake);
        var client = gateway.Client();

        var native = await client.PostAsync("/api/chat", Json("""{"model":"llama3:latest","stream":false,"messages":[{"role":"user","content":"hi"}],"options":{"temperature":0}}"""));
        var openai = await client.PostAsync("/v1/chat/completions", Json("""{"model":"llama3:latest","messages":[{"role":"user","content":"hi"}],"temperature":0}"""));
        var again = await client.PostAsync("/api/chat", Json("""{"model":"llama3:latest","stream":false,"messages":[{"role":"user","content":"hi"}],"options":{"temperature":0}}"""));

        Assert.Equal(HttpStatusCode.OK, native.StatusCode);
        Assert.Equal("Hello from the fake model",
            JsonDocument.Parse(await openai.Content.ReadAsStringAsync()).RootElement.GetProperty("choices")[0].GetProperty("message").GetProperty("content").GetString());
        Assert.Equal(await native.Content.ReadAsStringAsync(), await again.Content.ReadAsStringAsync());
        Assert.Single(fake.RequestsTo("/api/chat"));
        var stats = await DataAsync(client, "/api/v1/cache/stats");
        Assert.Equal(2, stats.GetProperty("hits").GetInt64());
        Assert.Equal(1, stats.GetProperty("misses").GetInt64());
        Assert.Equal(1, stats.GetProperty("keys").GetInt32());
        Assert.True(stats.GetProperty("memory_used_bytes").GetInt64() > 0);
        Assert.True(stats.GetProperty("average_ttl_seconds").GetDouble() > 3500);
    }

    [Fact]
    public async Task RandomSampling_NeverCached()
    {
        await using var fake = await FakeOllama.StartAsync(Model);
        await using var gateway = GatewayFactory.For(fake);
        var client = gateway.Client();

        for (var i = 0; i < 2; i++)
        {
            Assert.Equal(HttpStatusCode.OK, (await client.PostAsync("/v1/chat/completions", Json("""{"model":"llama3:latest","messages":[{"role":"user","content":"hi"}],"temperature":0.7}"""))).StatusCode);
        }

        Assert.Equal(2, fake.RequestsTo("/api/chat").Count);
        Assert.Equal(0, (await DataAsync(client, "/api/v1/cache/stats")).GetProperty("keys").GetInt32());
    }

    [Fact]
    public async Task CachedAnswer_ReplayedToStreamingClients_AsWellFormedStreams()
    {
        await using var fake = await FakeOllama.StartAsync(Model);
        await using var gateway = GatewayFactory.For(fake);
        var client = gateway.Client();
        await client.PostAsync("/v1/chat/completions", Json("""{"model":"llama3:latest","messages":[{"role":"user","content":"hi"}],"seed":42}"""));

        var sse = await client.PostAsync("/v1/chat/completions", Json("""{"model":"llama3:latest","messages":[{"role":"user","content":"hi"}],"seed":42,"stream":true,"stream_options":{"include_usage":true}}"""));
        var ndjson = await client.PostAsync("/api/chat", Json("""{"model":"llama3:latest","messages":[{"role":"user","content":"hi"}],"options":{"seed":42}}"""));

        Assert.Equal("text/event-stream", sse.Content.Headers.ContentType?.MediaType);
        var body = await sse.Content.ReadAsStringAsync();
        Assert.Equal("[DONE]", Sse.DataEvents(body)[^1]);
        var events = Sse.JsonEvents(body);
        Assert.Equal("assistant", events[0].GetProperty("choices")[0].GetProperty("delta").GetProperty("role").GetString());
        Assert.Equal("Hello from the fake model", events[1].GetProperty("choices")[0].GetProperty("delta").GetProperty("content").GetString());
        Assert.Equal("stop", events[^2].GetProperty("choices")[0].GetProperty("finish_reason").GetString());
        Assert.Equal(12, events[^1].GetProperty("usage").GetProperty("total_tokens").GetInt32());
        Assert.Equal("application/x-ndjson", ndjson.Content.Headers.ContentType?.MediaType);
        var lines = Sse.NdjsonLines(await ndjson.Content.ReadAsStringAsync());
        var line = Assert.Single(lines);
        Assert.True(line.GetProperty("done").GetBoolean());
        Assert.Equal("Hello from the fake model", line.GetProperty("message").GetProperty("content").GetString());
        Assert.Single(fake.RequestsTo("/api/chat"));
    }

    [Fact]
    public async Task Embeddings_Cached_AndClearByPatternRemovesOnlyMatchingKeys()
    {
        await using var fake = await FakeOllama.StartAsync(Model);
        await using var gateway = GatewayFactory.For(fake);
        var client = gateway.Client();
        await client.PostAsync("/v1/embeddings", Json("""{"model":"llama3:latest","input":["a","b"]}"""));
        await client.PostAsync("/api/embed", Json("""{"model":"llama3:latest","input":["a","b"]}"""));
        await client.PostAsync("/api/chat", Json("""{"model":"llama3:latest","stream":false,"messages":[{"role":"user","content":"hi"}],"options":{"temperature":0}}"""));
        Assert.Single(fake.RequestsTo("/api/embed"));

        var keys = await DataAsync(client, "/api/v1/cache/keys?per_page=10");
        Assert.Equal(2, keys.GetProperty("total").GetInt64());
        var cleared = await client.PostAsync("/api/v1/cache/clear", Json("""{"pattern":"embed:*"}"""));
        var clearedData = JsonDocument.Parse(await cleared.Content.ReadAsStringAsync()).RootElement.GetProperty("data");

        Assert.Equal(1, clearedData.GetProperty("cleared").GetInt32());
        var left = await DataAsync(client, "/api/v1/cache/keys");
        Assert.StartsWith("chat:", Assert.Single(left.GetProperty("items").EnumerateArray()).GetProperty("key").GetString(), StringComparison.Ordinal);
        await client.PostAsync("/v1/embeddings", Json("""{"model":"llama3:latest","input":["a","b"]}"""));
        Assert.Equal(2, fake.RequestsTo("/api/embed").Count);
        var all = await client.PostAsync("/api/v1/cache/clear", null);
        Assert.Equal(2, JsonDocument.Parse(await all.Content.ReadAsStringAsync()).RootElement.GetProperty("data").GetProperty("cleared").GetInt32());
    }

    [Fact]
    public async Task Warm_RunsAsTaskThenChatIsServedFromCache()
    {
        await using var fake = await FakeOllama.StartAsync(Model);
        await using var gateway = new GatewayFactory([fake.BaseUri], new Dictionary<string, string?>
        {
            ["Tasks:PollInterval"] = "00:00:00.050",
            ["Tasks:EventPollInterval"] = "00:00:00.020",
        });
        var client = gateway.Client();

        var warm = await client.PostAsync("/api/v1/cache/warm", Json("""{"requests":[{"model":"llama3:latest","message":"what is 2+2"}]}"""));
        Assert.Equal(HttpStatusCode.Accepted, warm.StatusCode);
        var id = JsonDocument.Parse(await warm.Content.ReadAsStringAsync()).RootElement.GetProperty("data").GetProperty("task_id").GetString();
        var events = await client.GetStringAsync($"/api/v1/tasks/{id}/events").WaitAsync(TimeSpan.FromSeconds(20));
        Assert.Contains("event: completed", events, StringComparison.Ordinal);

        var chat = await client.PostAsync("/api/v1/chat", Json("""{"model":"llama3:latest","message":"what is 2+2","temperature":0}"""));
        Assert.Equal(HttpStatusCode.OK, chat.StatusCode);
        Assert.Single(fake.RequestsTo("/api/chat"));
        Assert.Equal(0, fake.RequestsTo("/api/chat")[0].Json.GetProperty("options").GetProperty("temperature").GetDouble());
    }

    [Fact]
    public async Task Warm_InvalidRequest_400NamingTheField()
    {
        await using var fake = await FakeOllama.StartAsync(Model);
        await using var gateway = GatewayFactory.For(fake);

        var response = await gateway.Client().PostAsync("/api/v1/cache/warm", Json("""{"requests":[{"model":"llama3:latest"}]}"""));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var error = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("error");
        Assert.Equal("requests[0].message", error.GetProperty("details").GetProperty("field").GetString());
    }

    [Fact]
    public async Task CacheDisabled_EveryCallGoesUpstream()
    {
        await using var fake = await FakeOllama.StartAsync(Model);
        await using var gateway = new GatewayFactory([fake.BaseUri], new Dictionary<string, string?> { ["Cache:Enabled"] = "false" });
        var client = gateway.Client();

        for (var i = 0; i < 2; i++)
        {
            await client.PostAsync("/v1/chat/completions", Json("""{"model":"llama3:latest","messages":[{"role":"user","content":"hi"}],"temperature":0}"""));
        }

        Assert.Equal(2, fake.RequestsTo("/api/chat").Count);
    }
}
