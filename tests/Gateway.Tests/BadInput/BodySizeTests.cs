using System.Net;
using System.Buffers;
using System.IO.Pipelines;
using System.Net.Http.Headers;
using System.Text;
using SutazAi.Gateway.Tests.Infrastructure;
using SutazAi.TestKit;

namespace SutazAi.Gateway.Tests.BadInput;

/// <summary>IN-02 (bodies): over Limits:MaxRequestBodyBytes is a 413 request_too_large, declared or chunked; nothing is forwarded.</summary>
public sealed class BodySizeTests
{
    private const int Limit = 4096;

    private static GatewayFactory Gateway(FakeOllama fake) =>
        new([fake.BaseUri], new Dictionary<string, string?> { ["Limits:MaxRequestBodyBytes"] = Limit.ToString(System.Globalization.CultureInfo.InvariantCulture) });

    /// <summary>A valid body of exactly <paramref name="size"/> bytes (padding inside the user text).</summary>
    private static byte[] BodyOfSize(string route, int size)
    {
        var empty = Encoding.UTF8.GetByteCount(RouteBodies.Json(route, text: ""));
        return Encoding.UTF8.GetBytes(RouteBodies.Json(route, text: new string('x', size - empty)));
    }

    /// <summary>Chunked: a StreamContent over a non-seekable stream, so HttpClient cannot compute a Content-Length.</summary>
    private static HttpContent Content(byte[] body, bool chunked)
    {
        HttpContent content = chunked ? new StreamContent(NonSeekable(body)) : new ByteArrayContent(body);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        return content;
    }

    private static Stream NonSeekable(byte[] body)
    {
        var pipe = new Pipe();
        pipe.Writer.Write(body);
        pipe.Writer.Complete();
        return pipe.Reader.AsStream();
    }

    public static TheoryData<string, bool> Cases()
    {
        var data = new TheoryData<string, bool>();
        foreach (var route in new[] { "/v1/chat/completions", "/v1/embeddings", "/api/chat", "/api/v1/chat" })
        {
            data.Add(route, false);
            data.Add(route, true);
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task Post_OneByteOverLimit_Returns413WithoutUpstreamCall(string route, bool chunked)
    {
        await using var fake = await FakeOllama.StartAsync(RouteBodies.Model);
        await using var gateway = Gateway(fake);
        var body = BodyOfSize(route, Limit + 1);

        using var request = new HttpRequestMessage(HttpMethod.Post, route) { Content = Content(body, chunked) };
        var response = await gateway.Client().SendAsync(request);

        Assert.Equal(chunked, request.Content.Headers.ContentLength is null);
        await ErrorBodies.AssertRejectedAsync(response, route, HttpStatusCode.RequestEntityTooLarge, "request_too_large");
        ErrorBodies.AssertNoGeneration(fake);
    }

    /// <summary>Kestrel counts chunk framing against the limit, so the chunked case stays a little under it.</summary>
    [Theory]
    [InlineData(false, Limit)]
    [InlineData(true, 3000)]
    public async Task ChatCompletions_BodyWithinLimit_Accepted(bool chunked, int size)
    {
        await using var fake = await FakeOllama.StartAsync(RouteBodies.Model);
        await using var gateway = Gateway(fake);

        var response = await gateway.Client().PostAsync("/v1/chat/completions", Content(BodyOfSize("/v1/chat/completions", size), chunked));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Single(fake.RequestsTo("/api/chat"));
    }

    [Fact]
    public async Task ChatCompletions_LargeChunkedBody_Returns413()
    {
        await using var fake = await FakeOllama.StartAsync(RouteBodies.Model);
        await using var gateway = Gateway(fake);

        var response = await gateway.Client().PostAsync("/v1/chat/completions", Content(BodyOfSize("/v1/chat/completions", 1024 * 1024), chunked: true));

        var body = await response.Content.ReadAsStringAsync();
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
        var error = ErrorBodies.AssertOpenAi(body, "invalid_request_error", "request_too_large");
        Assert.Equal("request body is too large", error.GetProperty("message").GetString());
        ErrorBodies.AssertNoGeneration(fake);
    }
}
