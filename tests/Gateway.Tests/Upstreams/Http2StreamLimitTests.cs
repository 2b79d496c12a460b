using System.Net;
using System.Text;
using SutazAi.Gateway.Tests.Infrastructure;
using SutazAi.TestKit;

namespace SutazAi.Gateway.Tests.Upstreams;

/// <summary>RELIABILITY.md CL-06: one HTTP/2 connection opening 200 concurrent streams against a limit of 100.</summary>
public sealed class Http2StreamLimitTests
{
    private const string Model = "llama3:latest";

    [Fact]
    public async Task Http2_TwoHundredStreamsOnOneConnection_NeverMoreThanLimitInFlightAndAllServed()
    {
        await using var fake = await FakeOllama.StartAsync(Model);
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        fake.Script("/api/chat", _ => new FakeReply { Chunks = [FakeOllama.ChatLine(Model, "ok", done: true)], HeadersGate = gate.Task });
        await using var gateway = new GatewayFactory([fake.BaseUri], new Dictionary<string, string?>
        {
            // An h2c (prior knowledge) endpoint: cleartext HTTP/2 needs Protocols=Http2 in Kestrel.
            ["Kestrel:Endpoints:H2:Url"] = "http://127.0.0.1:0",
            ["Kestrel:Endpoints:H2:Protocols"] = "Http2",
            ["Limits:MaxStreamsPerConnection"] = "100",
        });
        using var h2 = new HttpClient(new SocketsHttpHandler { EnableMultipleHttp2Connections = false })
        {
            BaseAddress = gateway.BaseAddress,
            DefaultRequestVersion = HttpVersion.Version20,
            DefaultVersionPolicy = HttpVersionPolicy.RequestVersionExact,
            Timeout = TimeSpan.FromSeconds(60),
        };
        TestAuth.Authorize(h2);

        var calls = Enumerable.Range(0, 200).Select(_ => h2.PostAsync("/api/chat",
            new StringContent("""{"model":"llama3:latest","stream":false,"messages":[{"role":"user","content":"x"}]}""", Encoding.UTF8, "application/json"))).ToList();
        await fake.WaitForRequestsAsync("/api/chat", 100).WaitAsync(TimeSpan.FromSeconds(20));

        // The server stays responsive on another connection while the first one is saturated.
        using var probe = new HttpClient { BaseAddress = gateway.BaseAddress, DefaultRequestVersion = HttpVersion.Version20, DefaultVersionPolicy = HttpVersionPolicy.RequestVersionExact };
        TestAuth.Authorize(probe);
        Assert.Equal(HttpStatusCode.OK, (await probe.GetAsync("/health/live")).StatusCode);
        Assert.Equal(100, fake.RequestsTo("/api/chat").Count);

        gate.SetResult();
        foreach (var call in calls)
        {
            var response = await call;
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.Equal(HttpVersion.Version20, response.Version);
        }

        Assert.Equal(200, fake.RequestsTo("/api/chat").Count);
        Assert.True(fake.MaxConcurrentRequests <= 100, $"upstream saw {fake.MaxConcurrentRequests} at once");
    }
}
