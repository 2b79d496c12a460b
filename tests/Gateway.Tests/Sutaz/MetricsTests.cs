using System.Net;
using System.Text;
using SutazAi.Gateway.Tests.Infrastructure;
using SutazAi.Gateway.Upstreams;
using SutazAi.TestKit;

namespace SutazAi.Gateway.Tests.Sutaz;

/// <summary>GET /metrics: Prometheus text 0.0.4 with request counters and upstream gauges.</summary>
public sealed class MetricsTests
{
    [Fact]
    public async Task Metrics_AfterTraffic_ContainsRequestCountersAndUpstreamGauges()
    {
        await using var fake = await FakeOllama.StartAsync("llama3:latest");
        await using var gateway = GatewayFactory.For(fake);
        var pool = gateway.Service<UpstreamPool>();
        foreach (var server in pool.Servers)
        {
            await pool.ProbeAsync(server, default);
        }

        var client = gateway.Client();
        var chat = await client.PostAsync("/api/v1/chat", new StringContent("""{"message":"hi","model":"llama3:latest"}""", Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.OK, chat.StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/api/tags")).StatusCode);

        var response = await client.GetAsync("/metrics");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/plain", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal("0.0.4", response.Content.Headers.ContentType?.Parameters.Single(p => p.Name == "version").Value);
        var text = await response.Content.ReadAsStringAsync();
        var lines = text.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Contains("# TYPE gateway_requests_total counter", lines);
        Assert.Contains(lines, l => l.StartsWith("gateway_requests_total{", StringComparison.Ordinal)
            && l.Contains("route=\"/api/v1/chat\"", StringComparison.Ordinal) && l.Contains("status=\"200\"", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.StartsWith("gateway_requests_total{", StringComparison.Ordinal) && l.Contains("route=\"/api/tags\"", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.StartsWith("gateway_tokens_total{", StringComparison.Ordinal) && l.Contains("model=\"llama3:latest\"", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.StartsWith("gateway_upstream_requests_total{", StringComparison.Ordinal) && l.Contains("server=\"ollama-0\"", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.StartsWith("gateway_request_duration_seconds_bucket{", StringComparison.Ordinal));
        Assert.Contains("gateway_upstream_up{server=\"ollama-0\"} 1", lines);
        Assert.Contains("gateway_upstream_circuit_state{server=\"ollama-0\"} 0", lines);
        Assert.Contains("gateway_upstream_in_flight{server=\"ollama-0\"} 0", lines);
        Assert.DoesNotContain("127.0.0.1", text, StringComparison.Ordinal);
    }

    /// <summary>Scraping once first isolates the counters from when the exporter starts listening.</summary>
    [Fact]
    public async Task Metrics_TrafficAfterFirstScrape_CountedInNextScrape()
    {
        await using var fake = await FakeOllama.StartAsync("llama3:latest");
        await using var gateway = GatewayFactory.For(fake);
        var client = gateway.Client();
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/metrics")).StatusCode);

        var chat = await client.PostAsync("/api/v1/chat", new StringContent("""{"message":"hi","model":"llama3:latest"}""", Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.OK, chat.StatusCode);
        var text = await client.GetStringAsync("/metrics");

        var lines = text.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Contains("# TYPE gateway_requests_total counter", lines);
        Assert.Contains(lines, l => l.StartsWith("gateway_requests_total{", StringComparison.Ordinal)
            && l.Contains("route=\"/api/v1/chat\"", StringComparison.Ordinal) && l.Contains("method=\"POST\"", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.StartsWith("gateway_requests_total{", StringComparison.Ordinal) && l.Contains("route=\"/metrics\"", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.StartsWith("gateway_upstream_up{server=\"ollama-0\"}", StringComparison.Ordinal));
    }
}
