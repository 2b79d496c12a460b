using System.Net;
using System.Text;
using SutazAi.Gateway.Tests.BadInput;
using SutazAi.Gateway.Tests.Infrastructure;
using SutazAi.TestKit;

namespace SutazAi.Gateway.Tests.Ollama;

/// <summary>
/// Upstream failures on the Ollama surface (PROTOCOLS.md §1.9): before the first byte the real status and {"error"};
/// after it, the lines already received, then one {"error"} line and no done:true.
/// </summary>
public sealed class OllamaStreamFailureTests
{
    private const string Model = "llama3:latest";
    private const string ChatBody = """{"model":"llama3:latest","messages":[{"role":"user","content":"hi"}]}""";

    private static StringContent Json(string json) => new(json, Encoding.UTF8, "application/json");

    private static FakeReply Ndjson(IEnumerable<string> lines, int? abortAfter = null, Task? abortGate = null) => new()
    {
        ContentType = "application/x-ndjson",
        Chunks = [.. lines.Select(l => l + "\n")],
        AbortAfterChunks = abortAfter,
        AbortGate = abortGate,
    };

    /// <summary>
    /// Reads the NDJSON body line by line and opens <paramref name="gate"/> once <paramref name="linesBeforeGate"/>
    /// lines arrived, so the upstream reset happens only after the gateway forwarded them (a reset can drop unread data).
    /// </summary>
    private static async Task<(HttpStatusCode Status, string Body)> ReadOpeningGateAsync(HttpClient client, string route, string json, TaskCompletionSource gate, int linesBeforeGate)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, route) { Content = Json(json) };
        using var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync());
        var body = new StringBuilder();
        var count = 0;
        while (await reader.ReadLineAsync() is { } line)
        {
            body.Append(line).Append('\n');
            if (++count == linesBeforeGate)
            {
                gate.TrySetResult();
            }
        }

        return (response.StatusCode, body.ToString());
    }

    [Fact]
    public async Task Chat_UpstreamAbortsMidStream_LinesSoFarThenErrorLineWithoutDone()
    {
        await using var fake = await FakeOllama.StartAsync(Model);
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        fake.Script("/api/chat", _ => Ndjson(
            [FakeOllama.ChatLine(Model, "Hello"), FakeOllama.ChatLine(Model, " there"), FakeOllama.ChatLine(Model, " world"), FakeOllama.ChatLine(Model, "", done: true)],
            abortAfter: 2, abortGate: gate.Task));
        await using var gateway = GatewayFactory.For(fake);

        var (status, body) = await ReadOpeningGateAsync(gateway.Client(), "/api/chat", ChatBody, gate, linesBeforeGate: 2);

        Assert.Equal(HttpStatusCode.OK, status);
        ErrorBodies.AssertNoLeak(body);
        var lines = Sse.NdjsonLines(body);
        Assert.Equal(3, lines.Count);
        Assert.Equal("Hello", lines[0].GetProperty("message").GetProperty("content").GetString());
        Assert.Equal(" there", lines[1].GetProperty("message").GetProperty("content").GetString());
        Assert.Equal("the upstream model server closed the stream before it was complete", Assert.Single(lines[2].EnumerateObject()).Value.GetString());
        Assert.DoesNotContain(lines, l => l.TryGetProperty("done", out var done) && done.GetBoolean());
    }

    [Fact]
    public async Task Chat_UpstreamErrorLineMidStream_ErrorLinePassedWithoutDone()
    {
        await using var fake = await FakeOllama.StartAsync(Model);
        fake.Script("/api/chat", _ => Ndjson([FakeOllama.ChatLine(Model, "Hello"), """{"error":"boom"}""", FakeOllama.ChatLine(Model, "", done: true)]));
        await using var gateway = GatewayFactory.For(fake);

        var response = await gateway.Client().PostAsync("/api/chat", Json(ChatBody));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var body = await response.Content.ReadAsStringAsync();
        ErrorBodies.AssertNoLeak(body);
        var lines = Sse.NdjsonLines(body);
        Assert.Equal(2, lines.Count);
        Assert.Equal("Hello", lines[0].GetProperty("message").GetProperty("content").GetString());
        Assert.Equal("boom", ErrorBodies.AssertOllama(lines[1].GetRawText()));
        Assert.DoesNotContain(lines, l => l.TryGetProperty("done", out var done) && done.GetBoolean());
    }

    [Fact]
    public async Task Chat_UpstreamMalformedLine_ErrorLineWithoutDone()
    {
        await using var fake = await FakeOllama.StartAsync(Model);
        fake.Script("/api/chat", _ => Ndjson([FakeOllama.ChatLine(Model, "Hello"), "{\"model\":", FakeOllama.ChatLine(Model, "", done: true)]));
        await using var gateway = GatewayFactory.For(fake);

        var response = await gateway.Client().PostAsync("/api/chat", Json(ChatBody));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var lines = Sse.NdjsonLines(await response.Content.ReadAsStringAsync());
        Assert.Equal(2, lines.Count);
        Assert.Equal("the upstream model server sent an invalid stream line", ErrorBodies.AssertOllama(lines[1].GetRawText()));
    }

    [Fact]
    public async Task Chat_UpstreamEndsWithoutDone_ErrorLineAppended()
    {
        await using var fake = await FakeOllama.StartAsync(Model);
        fake.Script("/api/chat", _ => Ndjson([FakeOllama.ChatLine(Model, "Hello"), FakeOllama.ChatLine(Model, " world")]));
        await using var gateway = GatewayFactory.For(fake);

        var response = await gateway.Client().PostAsync("/api/chat", Json(ChatBody));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var lines = Sse.NdjsonLines(await response.Content.ReadAsStringAsync());
        Assert.Equal(3, lines.Count);
        Assert.Equal("the upstream model server closed the stream before it was complete", ErrorBodies.AssertOllama(lines[2].GetRawText()));
    }

    [Fact]
    public async Task Chat_Upstream400BeforeStreaming_Returns400WithUpstreamMessage()
    {
        await using var fake = await FakeOllama.StartAsync(Model);
        fake.Script("/api/chat", _ => FakeReply.Error(400, "think value invalid"));
        await using var gateway = GatewayFactory.For(fake);

        var response = await gateway.Client().PostAsync("/api/chat", Json(ChatBody));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal("think value invalid", ErrorBodies.AssertOllama(await response.Content.ReadAsStringAsync()));
    }

    [Fact]
    public async Task Chat_Upstream500BeforeStreaming_Returns502WithoutUpstreamText()
    {
        await using var fake = await FakeOllama.StartAsync(Model);
        fake.Script("/api/chat", _ => FakeReply.Error(500, "panic: runtime error at /home/ollama/server.go:42 (127.0.0.1)"));
        await using var gateway = GatewayFactory.For(fake);

        var response = await gateway.Client().PostAsync("/api/chat", Json(ChatBody));

        Assert.Equal(HttpStatusCode.BadGateway, response.StatusCode);
        var message = ErrorBodies.AssertOllama(await response.Content.ReadAsStringAsync());
        Assert.DoesNotContain("panic", message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Generate_UpstreamAbortsMidStream_LinesSoFarThenErrorLineWithoutDone()
    {
        await using var fake = await FakeOllama.StartAsync(Model);
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        fake.Script("/api/generate", _ => Ndjson(
            [FakeOllama.GenerateLine(Model, "Why"), FakeOllama.GenerateLine(Model, " not"), FakeOllama.GenerateLine(Model, "", done: true)],
            abortAfter: 2, abortGate: gate.Task));
        await using var gateway = GatewayFactory.For(fake);

        var (status, body) = await ReadOpeningGateAsync(gateway.Client(), "/api/generate", """{"model":"llama3:latest","prompt":"hi"}""", gate, linesBeforeGate: 2);

        Assert.Equal(HttpStatusCode.OK, status);
        var lines = Sse.NdjsonLines(body);
        Assert.Equal(3, lines.Count);
        Assert.Equal("Why", lines[0].GetProperty("response").GetString());
        Assert.Equal(" not", lines[1].GetProperty("response").GetString());
        ErrorBodies.AssertOllama(lines[2].GetRawText());
    }
}
