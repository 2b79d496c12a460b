using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using SutazAi.Gateway.Tests.Infrastructure;
using SutazAi.TestKit;

namespace SutazAi.Gateway.Tests.Upstreams;

/// <summary>RELIABILITY.md UP-02, UP-04 (failover), UP-08 (b) and CL-02.</summary>
public sealed class FailoverAndLimitTests
{
    private const string Model = "llama3:latest";
    private const string Chat = """{"model":"llama3:latest","stream":false,"messages":[{"role":"user","content":"x"}]}""";

    private static StringContent Body(string json = Chat) => new(json, Encoding.UTF8, "application/json");

    /// <summary>
    /// A loopback "blackhole": a listener with a backlog of 1 that never accepts. Once its queue is full the
    /// kernel drops further SYNs, so a connect hangs until the client's connect timeout, as with a dropped route.
    /// </summary>
    private sealed class Blackhole : IDisposable
    {
        private readonly Socket _listener = new(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        private readonly List<Socket> _fillers = [];

        public Blackhole()
        {
            _listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
            _listener.Listen(1);
            Uri = new Uri($"http://127.0.0.1:{((IPEndPoint)_listener.LocalEndPoint!).Port}/");
            for (var i = 0; i < 8; i++)
            {
                var filler = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
                _fillers.Add(filler);
                _ = filler.ConnectAsync(_listener.LocalEndPoint!).ContinueWith(static _ => { }, TaskScheduler.Default);
            }
        }

        public Uri Uri { get; }

        public void Dispose()
        {
            foreach (var filler in _fillers)
            {
                filler.Dispose();
            }

            _listener.Dispose();
        }
    }

    [Fact]
    public async Task Chat_OnlyServerBlackholed_Returns504AfterConnectTimeout()
    {
        using var blackhole = new Blackhole();
        await using var gateway = new GatewayFactory([blackhole.Uri], new Dictionary<string, string?> { ["Ollama:ConnectTimeout"] = "00:00:00.500" });
        var clock = Stopwatch.StartNew();
        var response = await gateway.Client().PostAsync("/v1/chat/completions", Body());

        Assert.Equal(HttpStatusCode.GatewayTimeout, response.StatusCode);
        Assert.Equal("upstream_timeout", JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("error").GetProperty("code").GetString());
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(5), $"took {clock.Elapsed}");
    }

    [Fact]
    public async Task Chat_FirstServerBlackholed_SecondServes()
    {
        using var blackhole = new Blackhole();
        await using var fake = await FakeOllama.StartAsync(Model);
        await using var gateway = new GatewayFactory([blackhole.Uri, fake.BaseUri], new Dictionary<string, string?> { ["Ollama:ConnectTimeout"] = "00:00:00.300" });
        var client = gateway.Client();
        for (var i = 0; i < 3; i++)
        {
            Assert.Equal(HttpStatusCode.OK, (await client.PostAsync("/api/chat", Body())).StatusCode);
        }

        Assert.Equal(3, fake.RequestsTo("/api/chat").Count);
    }

    [Theory]
    [InlineData(503)]
    [InlineData(429)]
    public async Task Chat_FirstServerAnswers5xxOr429BeforeFirstByte_SecondServes(int status)
    {
        await using var failing = await FakeOllama.StartAsync(Model);
        failing.Script("/api/chat", _ => FakeReply.Error(status, "overloaded"));
        await using var healthy = await FakeOllama.StartAsync(Model);
        await using var gateway = GatewayFactory.For(failing, healthy);
        var client = gateway.Client();
        for (var i = 0; i < 4; i++)
        {
            var response = await client.PostAsync("/api/chat", Body());
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }

        Assert.Equal(4, healthy.RequestsTo("/api/chat").Count);
    }

    [Fact]
    public async Task Chat_StreamLongerThanMaximum_EndsWithMaxDurationError()
    {
        await using var fake = await FakeOllama.StartAsync(Model);
        fake.Script("/api/chat", _ => FakeOllama.ChatStream(Model, string.Join(' ', Enumerable.Repeat("tok", 100)), TimeSpan.FromMilliseconds(50)));
        await using var gateway = new GatewayFactory([fake.BaseUri], new Dictionary<string, string?> { ["Ollama:MaxStreamDuration"] = "00:00:00.600" });
        var response = await gateway.Client().PostAsync("/v1/chat/completions",
            Body("""{"model":"llama3:latest","stream":true,"messages":[{"role":"user","content":"x"}]}"""));

        var body = await response.Content.ReadAsStringAsync();
        Assert.DoesNotContain("[DONE]", Sse.DataEvents(body));
        var events = Sse.JsonEvents(body);
        Assert.True(events.Count > 3, "some tokens arrive before the limit");
        Assert.Equal("stream_max_duration", events[^1].GetProperty("error").GetProperty("code").GetString());
        await fake.RequestsTo("/api/chat")[0].Aborted.WaitAsync(TimeSpan.FromSeconds(5));
    }

    [Fact]
    public async Task Chat_ClientLeavesBeforeHeaders_UpstreamCallCancelled()
    {
        await using var fake = await FakeOllama.StartAsync(Model);
        var received = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var never = new TaskCompletionSource();
        fake.Script("/api/chat", _ =>
        {
            received.TrySetResult();
            return new FakeReply { Chunks = [FakeOllama.ChatLine(Model, "late", done: true)], HeadersGate = never.Task };
        });
        await using var gateway = GatewayFactory.For(fake);
        using var cts = new CancellationTokenSource();
        var call = gateway.Client().PostAsync("/api/chat", Body(), cts.Token);
        await received.Task.WaitAsync(TimeSpan.FromSeconds(5));
        await cts.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => call);

        await fake.RequestsTo("/api/chat")[0].Aborted.WaitAsync(TimeSpan.FromSeconds(2));
        var breakers = await gateway.Client().GetStringAsync("/api/v1/health/circuit-breakers");
        Assert.Equal("closed", JsonDocument.Parse(breakers).RootElement.GetProperty("data").GetProperty("circuit_breakers")[0].GetProperty("state").GetString());
    }

    [Fact]
    public async Task Chat_LeastOutstanding_SpreadsConcurrentStreamsOverServers()
    {
        await using var first = await FakeOllama.StartAsync(Model);
        await using var second = await FakeOllama.StartAsync(Model);
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        FakeReply Held(RecordedRequest _) => new() { Chunks = [FakeOllama.ChatLine(Model, "ok", done: true)], HeadersGate = gate.Task };
        first.Script("/api/chat", Held);
        second.Script("/api/chat", Held);
        await using var gateway = GatewayFactory.For(first, second);
        var client = gateway.Client();

        var calls = Enumerable.Range(0, 6).Select(_ => client.PostAsync("/api/chat", Body())).ToList();
        await Task.WhenAll(first.WaitForRequestsAsync("/api/chat", 3), second.WaitForRequestsAsync("/api/chat", 3)).WaitAsync(TimeSpan.FromSeconds(10));

        Assert.Equal(3, first.RequestsTo("/api/chat").Count);
        Assert.Equal(3, second.RequestsTo("/api/chat").Count);
        gate.SetResult();
        foreach (var call in calls)
        {
            Assert.Equal(HttpStatusCode.OK, (await call).StatusCode);
        }
    }
}
