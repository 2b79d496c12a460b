using System.Net;
using System.Text;
using System.Text.Json;
using SutazAi.Gateway.Tests.Infrastructure;
using SutazAi.TestKit;

namespace SutazAi.Gateway.Tests.Caching;

/// <summary>The response cache in Redis: shared by replicas; an outage falls back to the in-process cache without client errors.</summary>
[Collection(RedisTests.Name)]
public sealed class RedisCacheTests(RedisServer redis)
{
    private const string Chat = """{"model":"llama3:latest","messages":[{"role":"user","content":"RANDOM"}],"temperature":0}""";

    private static StringContent Body(string marker) => new(Chat.Replace("RANDOM", marker, StringComparison.Ordinal), Encoding.UTF8, "application/json");

    /// <summary>/health after a fresh probe of the upstream: under a loaded start the first probe can time out, and /health is 503 then.</summary>
    private static async Task<JsonElement> HealthAsync(GatewayFactory gateway)
    {
        var pool = gateway.Service<SutazAi.Gateway.Upstreams.UpstreamPool>();
        await pool.ProbeAsync(pool.Servers[0], default);
        return JsonDocument.Parse(await gateway.Client().GetStringAsync("/health")).RootElement;
    }

    private GatewayFactory Gateway(FakeOllama fake) => new([fake.BaseUri], new Dictionary<string, string?> { ["ConnectionStrings:Redis"] = redis.Configuration });

    [Fact]
    public async Task TwoReplicas_ShareCachedAnswersAndCounters()
    {
        await using var fake = await FakeOllama.StartAsync("llama3:latest");
        await using var first = Gateway(fake);
        await using var second = Gateway(fake);
        var marker = Guid.NewGuid().ToString("N");

        Assert.Equal(HttpStatusCode.OK, (await first.Client().PostAsync("/v1/chat/completions", Body(marker))).StatusCode);
        var answer = await second.Client().PostAsync("/v1/chat/completions", Body(marker));

        Assert.Equal(HttpStatusCode.OK, answer.StatusCode);
        Assert.Single(fake.RequestsTo("/api/chat"));
        var stats = JsonDocument.Parse(await second.Client().GetStringAsync("/api/v1/cache/stats")).RootElement.GetProperty("data");
        Assert.Equal("redis", stats.GetProperty("backend").GetString());
        Assert.True(stats.GetProperty("hits").GetInt64() >= 1);
        Assert.True(stats.GetProperty("keys").GetInt32() >= 1);
        var keys = JsonDocument.Parse(await first.Client().GetStringAsync("/api/v1/cache/keys?per_page=500")).RootElement.GetProperty("data");
        Assert.Contains(keys.GetProperty("items").EnumerateArray(), k => k.GetProperty("key").GetString()!.StartsWith("chat:", StringComparison.Ordinal));
        var health = (await HealthAsync(first)).GetProperty("services");
        Assert.Equal("healthy", health.GetProperty("redis").GetString());
    }

    [Fact]
    public async Task RedisDown_RequestsStillAnswered_InProcessFallbackAndHealthSaysSo()
    {
        await using var fake = await FakeOllama.StartAsync("llama3:latest");
        await using var gateway = Gateway(fake);
        var client = gateway.Client();
        Assert.Equal(HttpStatusCode.OK, (await client.PostAsync("/v1/chat/completions", Body("warm"))).StatusCode);

        await redis.StopAsync();
        try
        {
            var marker = Guid.NewGuid().ToString("N");
            var first = await client.PostAsync("/v1/chat/completions", Body(marker));
            var second = await client.PostAsync("/v1/chat/completions", Body(marker));

            Assert.Equal(HttpStatusCode.OK, first.StatusCode);
            Assert.Equal(HttpStatusCode.OK, second.StatusCode);
            // Management calls do not pretend: with Redis away they answer 503 rather than the fallback's numbers.
            var stats = await client.GetAsync("/api/v1/cache/stats");
            Assert.Equal(HttpStatusCode.ServiceUnavailable, stats.StatusCode);
            Assert.Equal("CACHE_ERROR", JsonDocument.Parse(await stats.Content.ReadAsStringAsync()).RootElement.GetProperty("error").GetProperty("code").GetString());
            var health = await HealthAsync(gateway);
            Assert.Equal("unavailable (in-process cache fallback)", health.GetProperty("services").GetProperty("redis").GetString());
            Assert.Equal("degraded", health.GetProperty("status").GetString());
            // The fallback cache served the repeat: two misses upstream would mean no cache at all.
            Assert.Equal(2, fake.RequestsTo("/api/chat").Count);
        }
        finally
        {
            await redis.StartAsync();
        }
    }

    [Fact]
    public async Task RedisHung_AnswersWithinTheRedisTimeoutFromTheFallback()
    {
        await using var fake = await FakeOllama.StartAsync("llama3:latest");
        await using var gateway = Gateway(fake);
        var client = gateway.Client();
        Assert.Equal(HttpStatusCode.OK, (await client.PostAsync("/v1/chat/completions", Body("connect"))).StatusCode);

        await redis.PauseAsync();
        try
        {
            var clock = System.Diagnostics.Stopwatch.StartNew();
            var response = await client.PostAsync("/v1/chat/completions", Body(Guid.NewGuid().ToString("N")));

            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            // One lookup waits out the 250 ms Redis timeout; the store of the answer is then skipped for the retry window.
            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(2), $"took {clock.Elapsed}");
            var health = (await HealthAsync(gateway)).GetProperty("services");
            Assert.Equal("unavailable (in-process cache fallback)", health.GetProperty("redis").GetString());
        }
        finally
        {
            await redis.ResumeAsync();
        }
    }

    /// <summary>ST-03 (Redis part): FLUSHALL empties the shared cache and its counters; the gateway carries on without an error.</summary>
    [Fact]
    public async Task FlushAll_OnlyResetsEntriesAndCounters_RequestsKeepWorking()
    {
        await using var fake = await FakeOllama.StartAsync("llama3:latest");
        await using var gateway = Gateway(fake);
        var client = gateway.Client();
        var marker = Guid.NewGuid().ToString("N");
        Assert.Equal(HttpStatusCode.OK, (await client.PostAsync("/v1/chat/completions", Body(marker))).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await client.PostAsync("/v1/chat/completions", Body(marker))).StatusCode);
        Assert.Single(fake.RequestsTo("/api/chat"));

        await redis.FlushAllAsync();

        var stats = JsonDocument.Parse(await client.GetStringAsync("/api/v1/cache/stats")).RootElement.GetProperty("data");
        Assert.Equal(0, stats.GetProperty("hits").GetInt64());
        Assert.Equal(0, stats.GetProperty("misses").GetInt64());
        Assert.Equal(0, stats.GetProperty("keys").GetInt32());
        var again = await client.PostAsync("/v1/chat/completions", Body(marker));
        var hit = await client.PostAsync("/v1/chat/completions", Body(marker));

        Assert.Equal(HttpStatusCode.OK, again.StatusCode);
        Assert.Equal(HttpStatusCode.OK, hit.StatusCode);
        Assert.Equal(2, fake.RequestsTo("/api/chat").Count);
        stats = JsonDocument.Parse(await client.GetStringAsync("/api/v1/cache/stats")).RootElement.GetProperty("data");
        Assert.Equal(1, stats.GetProperty("hits").GetInt64());
        Assert.Equal(1, stats.GetProperty("misses").GetInt64());
        Assert.Equal("healthy", (await HealthAsync(gateway)).GetProperty("services").GetProperty("redis").GetString());
    }

    /// <summary>After an outage the gateway goes back to Redis on its own: new entries are shared with other replicas again.</summary>
    [Fact]
    public async Task RedisBack_AfterAnOutage_SharedCacheUsedAgainWithoutRestart()
    {
        await using var fake = await FakeOllama.StartAsync("llama3:latest");
        var settings = new Dictionary<string, string?> { ["ConnectionStrings:Redis"] = redis.Configuration, ["Cache:RedisRetryInterval"] = "00:00:00.200" };
        await using var gateway = new GatewayFactory([fake.BaseUri], settings);
        await using var other = new GatewayFactory([fake.BaseUri], settings);
        var client = gateway.Client();
        Assert.Equal(HttpStatusCode.OK, (await client.PostAsync("/v1/chat/completions", Body("connect"))).StatusCode);

        await redis.StopAsync();
        try
        {
            Assert.Equal(HttpStatusCode.OK, (await client.PostAsync("/v1/chat/completions", Body(Guid.NewGuid().ToString("N")))).StatusCode);
            Assert.Equal("unavailable (in-process cache fallback)",
                (await HealthAsync(gateway)).GetProperty("services").GetProperty("redis").GetString());
        }
        finally
        {
            await redis.StartAsync();
        }

        // Requests keep coming; once the retry interval has passed and the connection is back, one of them uses
        // Redis again and health follows (polled, bounded).
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        string? state;
        do
        {
            await Task.Delay(TimeSpan.FromMilliseconds(100), deadline.Token);
            Assert.Equal(HttpStatusCode.OK, (await client.PostAsync("/v1/chat/completions", Body(Guid.NewGuid().ToString("N")), deadline.Token)).StatusCode);
            state = (await HealthAsync(gateway)).GetProperty("services").GetProperty("redis").GetString();
        }
        while (state != "healthy");

        var marker = Guid.NewGuid().ToString("N");
        var before = fake.RequestsTo("/api/chat").Count;
        Assert.Equal(HttpStatusCode.OK, (await client.PostAsync("/v1/chat/completions", Body(marker))).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await other.Client().PostAsync("/v1/chat/completions", Body(marker))).StatusCode);
        Assert.Equal(before + 1, fake.RequestsTo("/api/chat").Count);
    }
}
