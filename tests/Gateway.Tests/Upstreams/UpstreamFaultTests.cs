using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using SutazAi.Gateway.Tests.Infrastructure;
using SutazAi.TestKit;

namespace SutazAi.Gateway.Tests.Upstreams;

/// <summary>RELIABILITY.md UP-01, UP-03, UP-04, UP-07, UP-08 and CL-01 against real sockets.</summary>
public sealed class UpstreamFaultTests
{
    private const string Model = "llama3:latest";
    private const string StreamChat = """{"model":"llama3:latest","stream":true,"messages":[{"role":"user","content":"x"}]}""";

    private static StringContent Body(string json) => new(json, Encoding.UTF8, "application/json");

    private static Uri ClosedPort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return new Uri($"http://127.0.0.1:{port}/");
    }

    [Fact]
    public async Task Chat_OnlyServerRefusesConnections_Returns502WithoutAddress()
    {
        await using var gateway = new GatewayFactory([ClosedPort()]);
        var response = await gateway.Client().PostAsync("/v1/chat/completions", Body("""{"model":"llama3:latest","messages":[{"role":"user","content":"x"}]}"""));

        Assert.Equal(HttpStatusCode.BadGateway, response.StatusCode);
        var text = await response.Content.ReadAsStringAsync();
        Assert.Equal("upstream_unavailable", JsonDocument.Parse(text).RootElement.GetProperty("error").GetProperty("code").GetString());
        Assert.DoesNotContain("127.0.0.1", text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Chat_FirstServerRefuses_SecondServesInvisibly()
    {
        await using var fake = await FakeOllama.StartAsync(Model);
        await using var gateway = new GatewayFactory([ClosedPort(), fake.BaseUri]);
        var client = gateway.Client();
        for (var i = 0; i < 4; i++)
        {
            var response = await client.PostAsync("/api/chat", Body("""{"model":"llama3:latest","stream":false,"messages":[{"role":"user","content":"x"}]}"""));
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }

        Assert.Equal(4, fake.RequestsTo("/api/chat").Count);
    }

    [Fact]
    public async Task Chat_Upstream500_Returns502Sanitized_And429PassesRetryAfter()
    {
        await using var fake = await FakeOllama.StartAsync(Model);
        fake.Script("/api/chat", _ => new FakeReply { Status = 500, ContentType = "text/html", Chunks = ["<html>stack at /srv/ollama.go:12</html>"] });
        await using var gateway = GatewayFactory.For(fake);
        var client = gateway.Client();

        var failed = await client.PostAsync("/api/chat", Body(StreamChat));
        Assert.Equal(HttpStatusCode.BadGateway, failed.StatusCode);
        var text = await failed.Content.ReadAsStringAsync();
        Assert.DoesNotContain("html", text, StringComparison.Ordinal);
        Assert.Equal("the upstream model server answered 500", JsonDocument.Parse(text).RootElement.GetProperty("error").GetString());

        fake.Script("/api/chat", _ => new FakeReply { Status = 429, Chunks = ["""{"error":"busy"}"""], Headers = new Dictionary<string, string> { ["Retry-After"] = "7" } });
        var limited = await client.PostAsync("/v1/chat/completions", Body(StreamChat));
        Assert.Equal(HttpStatusCode.TooManyRequests, limited.StatusCode);
        Assert.Equal("7", limited.Headers.GetValues("Retry-After").Single());
    }

    [Fact]
    public async Task Chat_SlowFirstByte_Returns504AndAbortsUpstream()
    {
        await using var fake = await FakeOllama.StartAsync(Model);
        fake.Script("/api/chat", _ => FakeOllama.ChatStream(Model, "late") is var r ? new FakeReply { ContentType = r.ContentType, Chunks = r.Chunks, DelayBeforeHeaders = TimeSpan.FromSeconds(30) } : r);
        await using var gateway = new GatewayFactory([fake.BaseUri], new Dictionary<string, string?> { ["Ollama:FirstByteTimeout"] = "00:00:00.500" });
        var started = Stopwatch.StartNew();
        var response = await gateway.Client().PostAsync("/v1/chat/completions", Body(StreamChat));

        Assert.Equal(HttpStatusCode.GatewayTimeout, response.StatusCode);
        Assert.Equal("upstream_timeout", JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("error").GetProperty("code").GetString());
        Assert.True(started.Elapsed < TimeSpan.FromSeconds(10));
        await fake.RequestsTo("/api/chat")[0].Aborted.WaitAsync(TimeSpan.FromSeconds(5));
    }

    [Fact]
    public async Task Chat_StreamGoesSilent_EndsWithIdleTimeoutErrorLineAndAbortsUpstream()
    {
        await using var fake = await FakeOllama.StartAsync(Model);
        fake.Script("/api/chat", _ => new FakeReply { ContentType = "application/x-ndjson", Chunks = [FakeOllama.ChatLine(Model, "first") + "\n"], HangAfterChunks = true });
        await using var gateway = new GatewayFactory([fake.BaseUri], new Dictionary<string, string?> { ["Ollama:StreamIdleTimeout"] = "00:00:00.500" });
        var response = await gateway.Client().PostAsync("/api/chat", Body(StreamChat));

        var lines = Sse.NdjsonLines(await response.Content.ReadAsStringAsync());
        Assert.Equal(2, lines.Count);
        Assert.Equal("first", lines[0].GetProperty("message").GetProperty("content").GetString());
        Assert.Equal("the upstream model server stopped sending data", lines[1].GetProperty("error").GetString());
        Assert.DoesNotContain(lines, l => l.TryGetProperty("done", out var d) && d.GetBoolean());
        await fake.RequestsTo("/api/chat")[0].Aborted.WaitAsync(TimeSpan.FromSeconds(5));
    }

    [Fact]
    public async Task Chat_ClientDisconnectsMidStream_UpstreamAbortedWithinOneSecond()
    {
        await using var fake = await FakeOllama.StartAsync(Model);
        fake.Script("/api/chat", _ => FakeOllama.ChatStream(Model, string.Join(' ', Enumerable.Repeat("tok", 200)), TimeSpan.FromMilliseconds(50)));
        await using var gateway = GatewayFactory.For(fake);
        var client = gateway.Client();
        using (var request = new HttpRequestMessage(HttpMethod.Post, "/v1/chat/completions") { Content = Body(StreamChat) })
        using (var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead))
        using (var reader = new StreamReader(await response.Content.ReadAsStreamAsync()))
        {
            var events = 0;
            while (events < 3 && await reader.ReadLineAsync() is { } line)
            {
                events += line.StartsWith("data: ", StringComparison.Ordinal) ? 1 : 0;
            }
        }

        client.Dispose();
        var upstream = fake.RequestsTo("/api/chat")[0];
        await upstream.Aborted.WaitAsync(TimeSpan.FromSeconds(1));

        // The slot is free and the breaker untouched: the next request is served at once.
        fake.ClearScripts();
        var next = await gateway.Client().PostAsync("/api/chat", Body("""{"model":"llama3:latest","stream":false,"messages":[{"role":"user","content":"x"}]}"""));
        Assert.Equal(HttpStatusCode.OK, next.StatusCode);
    }

    [Fact]
    public async Task Chat_TokensSpacedUpstream_ArriveSpacedAtClient()
    {
        await using var fake = await FakeOllama.StartAsync(Model);
        fake.Script("/api/chat", _ => FakeOllama.ChatStream(Model, "a b c d e", TimeSpan.FromMilliseconds(200)));
        await using var gateway = GatewayFactory.For(fake);
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/chat") { Content = Body(StreamChat) };
        using var response = await gateway.Client().SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync());
        var arrivals = new List<TimeSpan>();
        var clock = Stopwatch.StartNew();
        while (await reader.ReadLineAsync() is { } line)
        {
            if (line.Length > 0)
            {
                arrivals.Add(clock.Elapsed);
            }
        }

        Assert.Equal(6, arrivals.Count);
        // Five gaps of 200 ms upstream: a buffering proxy would deliver everything at once at the end.
        Assert.True(arrivals[^1] - arrivals[0] >= TimeSpan.FromMilliseconds(800), $"arrivals: {string.Join(", ", arrivals)}");
        Assert.True(arrivals[1] - arrivals[0] >= TimeSpan.FromMilliseconds(100));
    }
}
