using System.Net;
using System.Text.Json;
using SutazAi.Gateway.Tests.BadInput;
using SutazAi.Gateway.Tests.Infrastructure;
using SutazAi.Gateway.Upstreams;
using SutazAi.TestKit;

namespace SutazAi.Gateway.Tests.Sutaz;

/// <summary>GET /health, /health/live, /api/v1/health/detailed and /circuit-breakers, from the probed pool state.</summary>
public sealed class SutazHealthTests
{
    /// <summary>The monitor probes at start on its own schedule; probing here makes the state deterministic.</summary>
    private static async Task ProbeAllAsync(GatewayFactory gateway)
    {
        var pool = gateway.Service<UpstreamPool>();
        foreach (var server in pool.Servers)
        {
            await pool.ProbeAsync(server, default);
        }
    }

    private static async Task<Uri> StoppedServerAsync()
    {
        var fake = await FakeOllama.StartAsync("llama3:latest");
        var uri = fake.BaseUri;
        await fake.DisposeAsync();
        return uri;
    }

    [Fact]
    public async Task Health_AllServersProbed_ReturnsHealthy()
    {
        await using var fake = await FakeOllama.StartAsync("llama3:latest");
        await using var gateway = GatewayFactory.For(fake);
        await ProbeAllAsync(gateway);

        var response = await gateway.Client().GetAsync("/health");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
        Assert.Equal("healthy", json.GetProperty("status").GetString());
        Assert.True(json.GetProperty("timestamp").GetDateTimeOffset() > DateTimeOffset.UnixEpoch);
        Assert.Equal("healthy", json.GetProperty("services").GetProperty("ollama").GetString());
        Assert.True(json.GetProperty("performance").GetProperty("response_time_ms").GetDouble() >= 0);
    }

    [Fact]
    public async Task Health_OneOfTwoServersDown_ReturnsDegraded200()
    {
        await using var fake = await FakeOllama.StartAsync("llama3:latest");
        await using var gateway = new GatewayFactory([fake.BaseUri, await StoppedServerAsync()]);
        await ProbeAllAsync(gateway);

        var response = await gateway.Client().GetAsync("/health");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
        Assert.Equal("degraded", json.GetProperty("status").GetString());
        Assert.Equal("degraded", json.GetProperty("services").GetProperty("ollama").GetString());
    }

    [Fact]
    public async Task Health_NoServerAnswers_Returns503Unhealthy()
    {
        await using var gateway = new GatewayFactory([await StoppedServerAsync()]);
        await ProbeAllAsync(gateway);

        var response = await gateway.Client().GetAsync("/health");

        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        var body = await response.Content.ReadAsStringAsync();
        Assert.Equal("unhealthy", JsonDocument.Parse(body).RootElement.GetProperty("status").GetString());
        ErrorBodies.AssertNoLeak(body);
    }

    [Fact]
    public async Task HealthLive_NoServerAnswers_StillAlive()
    {
        await using var gateway = new GatewayFactory([await StoppedServerAsync()]);
        await ProbeAllAsync(gateway);

        var response = await gateway.Client().GetAsync("/health/live");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("alive", JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("status").GetString());
    }

    [Fact]
    public async Task HealthDetailed_ProbedServer_EnvelopeWithServerStateAndNoUpstreamUrl()
    {
        await using var fake = await FakeOllama.StartAsync("llama3:latest", "phi3:mini");
        await using var gateway = GatewayFactory.For(fake);
        await ProbeAllAsync(gateway);

        var response = await gateway.Client().GetAsync("/api/v1/health/detailed");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var body = await response.Content.ReadAsStringAsync();
        Assert.DoesNotContain(fake.BaseUri.ToString().TrimEnd('/'), body, StringComparison.Ordinal);
        Assert.DoesNotContain(":" + fake.BaseUri.Port.ToString(System.Globalization.CultureInfo.InvariantCulture), body, StringComparison.Ordinal);
        Assert.DoesNotContain("127.0.0.1", body, StringComparison.Ordinal);
        var root = JsonDocument.Parse(body).RootElement;
        Assert.True(root.GetProperty("success").GetBoolean());
        Assert.Equal(JsonValueKind.Null, root.GetProperty("error").ValueKind);
        Assert.False(string.IsNullOrEmpty(root.GetProperty("metadata").GetProperty("request_id").GetString()));
        Assert.True(root.GetProperty("metadata").GetProperty("processing_time_ms").GetDouble() >= 0);
        var data = root.GetProperty("data");
        Assert.Equal("healthy", data.GetProperty("overall_status").GetString());
        var ollama = data.GetProperty("services").GetProperty("ollama");
        Assert.Equal("healthy", ollama.GetProperty("status").GetString());
        var server = Assert.Single(ollama.GetProperty("servers").EnumerateArray());
        Assert.Equal("ollama-0", server.GetProperty("name").GetString());
        Assert.Equal("healthy", server.GetProperty("status").GetString());
        Assert.Equal("0.9.0", server.GetProperty("version").GetString());
        Assert.Equal("closed", server.GetProperty("circuit_breaker").GetString());
        Assert.Equal(2, server.GetProperty("models").GetInt32());
        Assert.Equal(0, server.GetProperty("in_flight").GetInt32());
        Assert.True(server.GetProperty("latency_ms").GetDouble() >= 0);
        Assert.Equal(JsonValueKind.String, server.GetProperty("last_checked").ValueKind);
        Assert.Empty(data.GetProperty("alerts").EnumerateArray());
        Assert.Empty(data.GetProperty("recommendations").EnumerateArray());
        Assert.True(data.GetProperty("performance_metrics").GetProperty("requests_total").GetInt64() >= 0);
        Assert.True(data.GetProperty("system_resources").GetProperty("threads").GetInt32() > 0);
    }

    [Fact]
    public async Task HealthDetailed_ServerDown_AlertsAndRecommendationWithoutUrl()
    {
        var stopped = await StoppedServerAsync();
        await using var gateway = new GatewayFactory([stopped]);
        await ProbeAllAsync(gateway);

        var response = await gateway.Client().GetAsync("/api/v1/health/detailed");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var body = await response.Content.ReadAsStringAsync();
        ErrorBodies.AssertNoLeak(body);
        Assert.DoesNotContain(":" + stopped.Port.ToString(System.Globalization.CultureInfo.InvariantCulture), body, StringComparison.Ordinal);
        var data = JsonDocument.Parse(body).RootElement.GetProperty("data");
        Assert.Equal("unhealthy", data.GetProperty("overall_status").GetString());
        var server = Assert.Single(data.GetProperty("services").GetProperty("ollama").GetProperty("servers").EnumerateArray());
        Assert.Equal("unhealthy", server.GetProperty("status").GetString());
        Assert.Equal(JsonValueKind.Null, server.GetProperty("version").ValueKind);
        Assert.Contains("ollama-0 is unhealthy", data.GetProperty("alerts").EnumerateArray().Select(a => a.GetString()));
        Assert.Single(data.GetProperty("recommendations").EnumerateArray());
    }

    [Fact]
    public async Task CircuitBreakers_FreshGateway_AllClosedWithSettings()
    {
        await using var first = await FakeOllama.StartAsync("llama3:latest");
        await using var second = await FakeOllama.StartAsync("llama3:latest");
        await using var gateway = GatewayFactory.For(first, second);

        var response = await gateway.Client().GetAsync("/api/v1/health/circuit-breakers");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var root = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
        Assert.True(root.GetProperty("success").GetBoolean());
        var breakers = root.GetProperty("data").GetProperty("circuit_breakers");
        Assert.Equal(["ollama-0", "ollama-1"], breakers.EnumerateArray().Select(b => b.GetProperty("name").GetString()));
        foreach (var breaker in breakers.EnumerateArray())
        {
            Assert.Equal("closed", breaker.GetProperty("state").GetString());
            Assert.Equal(0.5, breaker.GetProperty("failure_ratio").GetDouble());
            Assert.Equal(10, breaker.GetProperty("minimum_throughput").GetInt32());
            Assert.Equal(30, breaker.GetProperty("sampling_duration_seconds").GetDouble());
            Assert.Equal(30, breaker.GetProperty("break_duration_seconds").GetDouble());
            Assert.Equal(JsonValueKind.Null, breaker.GetProperty("last_failure_at").ValueKind);
            Assert.Equal(0, breaker.GetProperty("opened_count").GetInt64());
        }
    }
}
