using System.Net;
using System.Text;
using SutazAi.Gateway.Tests.Infrastructure;
using SutazAi.TestKit;

namespace SutazAi.Gateway.Tests.Upstreams;

/// <summary>RELIABILITY.md UP-03 with the optional heartbeat enabled (Gateway:SseHeartbeatInterval).</summary>
public sealed class SseHeartbeatTests
{
    private const string Model = "llama3:latest";
    private const string StreamChat = """{"model":"llama3:latest","stream":true,"messages":[{"role":"user","content":"x"}]}""";

    private static GatewayFactory Gateway(FakeOllama fake, string firstByteTimeout = "00:00:10") => new([fake.BaseUri], new Dictionary<string, string?>
    {
        ["Gateway:SseHeartbeatInterval"] = "00:00:00.100",
        ["Ollama:FirstByteTimeout"] = firstByteTimeout,
    });

    private static async Task<(HttpResponseMessage Response, StreamReader Reader)> OpenAsync(GatewayFactory gateway, string path, string body)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = new StringContent(body, Encoding.UTF8, "application/json") };
        var response = await gateway.Client().SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        return (response, new StreamReader(await response.Content.ReadAsStreamAsync()));
    }

    [Theory]
    [InlineData("/v1/chat/completions")]
    [InlineData("/api/v1/chat/stream")]
    public async Task Stream_ModelLoading_SendsKeepAliveCommentsThenTheAnswer(string path)
    {
        await using var fake = await FakeOllama.StartAsync(Model);
        var loaded = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        fake.Script("/api/chat", _ => new FakeReply
        {
            ContentType = "application/x-ndjson",
            Chunks = [FakeOllama.ChatLine(Model, "hello") + "\n", FakeOllama.ChatLine(Model, "", done: true) + "\n"],
            HeadersGate = loaded.Task,
        });
        await using var gateway = Gateway(fake);
        var body = path.StartsWith("/v1", StringComparison.Ordinal) ? StreamChat : """{"model":"llama3:latest","message":"x"}""";
        var (response, reader) = await OpenAsync(gateway, path, body);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/event-stream", response.Content.Headers.ContentType?.MediaType);
        var comments = 0;
        while (comments < 2 && await reader.ReadLineAsync() is { } line)
        {
            comments += line == ": keep-alive" ? 1 : 0;
        }

        Assert.Equal(2, comments);
        loaded.SetResult();
        var rest = await reader.ReadToEndAsync();
        Assert.Contains("hello", rest, StringComparison.Ordinal);
        Assert.DoesNotContain("\"error\"", rest, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Stream_UpstreamFailsAfterHeartbeatStarted_ErrorEventAndNoDone()
    {
        await using var fake = await FakeOllama.StartAsync(Model);
        var loaded = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        fake.Script("/api/chat", _ => new FakeReply { Status = 500, Chunks = ["""{"error":"runner crashed"}"""], HeadersGate = loaded.Task });
        await using var gateway = Gateway(fake);
        var (response, reader) = await OpenAsync(gateway, "/v1/chat/completions", StreamChat);

        Assert.Equal(": keep-alive", await reader.ReadLineAsync());
        loaded.SetResult();
        var rest = await reader.ReadToEndAsync();

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var events = Sse.JsonEvents(rest);
        Assert.Equal("upstream_error", Assert.Single(events).GetProperty("error").GetProperty("code").GetString());
        Assert.DoesNotContain("[DONE]", Sse.DataEvents(rest));
    }

    [Fact]
    public async Task Stream_FirstByteTimeoutAfterHeartbeats_InBandTimeoutAndUpstreamAborted()
    {
        await using var fake = await FakeOllama.StartAsync(Model);
        fake.Script("/api/chat", _ => new FakeReply { Chunks = ["{}"], HeadersGate = new TaskCompletionSource().Task });
        await using var gateway = Gateway(fake, firstByteTimeout: "00:00:00.500");
        var (_, reader) = await OpenAsync(gateway, "/v1/chat/completions", StreamChat);

        var all = await reader.ReadToEndAsync().WaitAsync(TimeSpan.FromSeconds(10));

        Assert.Contains(": keep-alive", all, StringComparison.Ordinal);
        Assert.Equal("upstream_timeout", Sse.JsonEvents(all)[^1].GetProperty("error").GetProperty("code").GetString());
        await fake.RequestsTo("/api/chat")[0].Aborted.WaitAsync(TimeSpan.FromSeconds(5));
    }

    [Fact]
    public async Task Stream_HeartbeatOff_UpstreamFailureKeepsItsStatus()
    {
        await using var fake = await FakeOllama.StartAsync(Model);
        fake.Script("/api/chat", _ => new FakeReply { Status = 500, Chunks = ["""{"error":"runner crashed"}"""], DelayBeforeHeaders = TimeSpan.FromMilliseconds(300) });
        await using var gateway = GatewayFactory.For(fake);
        var response = await gateway.Client().PostAsync("/v1/chat/completions", new StringContent(StreamChat, Encoding.UTF8, "application/json"));

        Assert.Equal(HttpStatusCode.BadGateway, response.StatusCode);
    }
}
