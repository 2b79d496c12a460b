using System.Net;
using System.Text;
using System.Text.Json;
using SutazAi.Gateway.Tests.BadInput;
using SutazAi.Gateway.Tests.Infrastructure;
using SutazAi.TestKit;

namespace SutazAi.Gateway.Tests.Sutaz;

/// <summary>POST /api/v1/chat, /chat/stream and /chat/batch: the SutazAI envelope over Ollama's /api/chat.</summary>
public sealed class SutazChatTests
{
    private const string Model = "llama3:latest";

    private static StringContent Json(string json) => new(json, Encoding.UTF8, "application/json");

    [Fact]
    public async Task Chat_MessageAndModel_EnvelopeWithResponseAndTokensUsed()
    {
        await using var fake = await FakeOllama.StartAsync(Model);
        await using var gateway = GatewayFactory.For(fake);

        var response = await gateway.Client().PostAsync("/api/v1/chat", Json("""{"message":"Hello","model":"llama3:latest"}"""));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        var root = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
        Assert.True(root.GetProperty("success").GetBoolean());
        Assert.Equal(JsonValueKind.Null, root.GetProperty("error").ValueKind);
        var data = root.GetProperty("data");
        Assert.Equal("Hello from the fake model", data.GetProperty("response").GetString());
        Assert.Equal(Model, data.GetProperty("model").GetString());
        Assert.Equal(12, data.GetProperty("tokens_used").GetInt32());
        var metadata = root.GetProperty("metadata");
        Assert.False(string.IsNullOrEmpty(metadata.GetProperty("request_id").GetString()));
        Assert.Equal(JsonValueKind.String, metadata.GetProperty("timestamp").ValueKind);
        Assert.True(metadata.GetProperty("processing_time_ms").GetDouble() >= 0);

        var sent = Assert.Single(fake.RequestsTo("/api/chat")).Json;
        Assert.Equal(Model, sent.GetProperty("model").GetString());
        Assert.False(sent.GetProperty("stream").GetBoolean());
        var message = Assert.Single(sent.GetProperty("messages").EnumerateArray());
        Assert.Equal("user", message.GetProperty("role").GetString());
        Assert.Equal("Hello", message.GetProperty("content").GetString());
        Assert.Equal(0.7, sent.GetProperty("options").GetProperty("temperature").GetDouble());
        Assert.Equal(2048, sent.GetProperty("options").GetProperty("num_predict").GetInt32());
    }

    [Fact]
    public async Task Chat_TemperatureAndMaxTokens_Forwarded()
    {
        await using var fake = await FakeOllama.StartAsync(Model);
        await using var gateway = GatewayFactory.For(fake);

        var response = await gateway.Client().PostAsync("/api/v1/chat", Json("""{"message":"Hello","model":"llama3:latest","temperature":0.2,"max_tokens":64}"""));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var options = Assert.Single(fake.RequestsTo("/api/chat")).Json.GetProperty("options");
        Assert.Equal(0.2, options.GetProperty("temperature").GetDouble());
        Assert.Equal(64, options.GetProperty("num_predict").GetInt32());
    }

    [Fact]
    public async Task Chat_NoModel_UsesDefaultModelTinyllama()
    {
        await using var fake = await FakeOllama.StartAsync("tinyllama:latest");
        await using var gateway = GatewayFactory.For(fake);

        var response = await gateway.Client().PostAsync("/api/v1/chat", Json("""{"message":"Hello"}"""));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("tinyllama", JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("data").GetProperty("model").GetString());
        Assert.Equal("tinyllama", Assert.Single(fake.RequestsTo("/api/chat")).Json.GetProperty("model").GetString());
    }

    [Theory]
    [InlineData("""{"message":"","model":"llama3:latest"}""")]
    [InlineData("""{"message":"   ","model":"llama3:latest"}""")]
    [InlineData("""{"model":"llama3:latest"}""")]
    public async Task Chat_EmptyMessage_Returns400ValidationErrorOnMessage(string body)
    {
        await using var fake = await FakeOllama.StartAsync(Model);
        await using var gateway = GatewayFactory.For(fake);

        var response = await gateway.Client().PostAsync("/api/v1/chat", Json(body));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var error = ErrorBodies.AssertSutaz(await response.Content.ReadAsStringAsync(), "VALIDATION_ERROR", "message");
        Assert.Equal("message must not be empty", error.GetProperty("message").GetString());
        Assert.Equal("invalid_value", error.GetProperty("details").GetProperty("reason").GetString());
        Assert.Empty(fake.RequestsTo("/api/chat"));
    }

    [Fact]
    public async Task Chat_UnknownModel_Returns404ModelNotFound()
    {
        await using var fake = await FakeOllama.StartAsync(Model);
        await using var gateway = GatewayFactory.For(fake);

        var response = await gateway.Client().PostAsync("/api/v1/chat", Json("""{"message":"Hello","model":"nope:latest"}"""));

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        var error = ErrorBodies.AssertSutaz(await response.Content.ReadAsStringAsync(), "MODEL_NOT_FOUND");
        Assert.Equal("model 'nope:latest' not found", error.GetProperty("message").GetString());
        Assert.Empty(fake.RequestsTo("/api/chat"));
    }

    [Fact]
    public async Task Chat_Upstream500_Returns502OllamaErrorWithoutUpstreamText()
    {
        await using var fake = await FakeOllama.StartAsync(Model);
        fake.Script("/api/chat", _ => FakeReply.Error(500, "CUDA out of memory at 127.0.0.1"));
        await using var gateway = GatewayFactory.For(fake);

        var response = await gateway.Client().PostAsync("/api/v1/chat", Json("""{"message":"Hello","model":"llama3:latest"}"""));

        Assert.Equal(HttpStatusCode.BadGateway, response.StatusCode);
        var error = ErrorBodies.AssertSutaz(await response.Content.ReadAsStringAsync(), "OLLAMA_ERROR");
        Assert.DoesNotContain("CUDA", error.GetProperty("message").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task ChatStream_Tokens_SseTokenEventsThenFinishWithTokensUsed()
    {
        await using var fake = await FakeOllama.StartAsync(Model);
        await using var gateway = GatewayFactory.For(fake);

        var response = await gateway.Client().PostAsync("/api/v1/chat/stream", Json("""{"message":"Hello","model":"llama3:latest"}"""));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/event-stream", response.Content.Headers.ContentType?.MediaType);
        var events = Sse.JsonEvents(await response.Content.ReadAsStringAsync());
        Assert.Equal(6, events.Count);
        foreach (var token in events.Take(5))
        {
            Assert.Equal(["token", "finish"], token.EnumerateObject().Select(p => p.Name));
            Assert.False(token.GetProperty("finish").GetBoolean());
        }

        Assert.Equal("Hello from the fake model", string.Concat(events.Take(5).Select(e => e.GetProperty("token").GetString())));
        Assert.Equal("""{"finish":true,"tokens_used":12}""", events[^1].GetRawText());

        var sent = Assert.Single(fake.RequestsTo("/api/chat")).Json;
        Assert.True(sent.GetProperty("stream").GetBoolean());
        Assert.Equal(0.7, sent.GetProperty("options").GetProperty("temperature").GetDouble());
        Assert.Equal(2048, sent.GetProperty("options").GetProperty("num_predict").GetInt32());
    }

    [Fact]
    public async Task ChatStream_UpstreamErrorLine_FinalErrorEventWithoutFinish()
    {
        await using var fake = await FakeOllama.StartAsync(Model);
        fake.Script("/api/chat", _ => FakeReply.Ndjson([FakeOllama.ChatLine(Model, "Hi"), """{"error":"boom"}"""]));
        await using var gateway = GatewayFactory.For(fake);

        var response = await gateway.Client().PostAsync("/api/v1/chat/stream", Json("""{"message":"Hello","model":"llama3:latest"}"""));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var body = await response.Content.ReadAsStringAsync();
        ErrorBodies.AssertNoLeak(body);
        var events = Sse.JsonEvents(body);
        Assert.Equal(2, events.Count);
        Assert.Equal("Hi", events[0].GetProperty("token").GetString());
        Assert.False(events[1].GetProperty("finish").GetBoolean());
        Assert.Equal("OLLAMA_ERROR", events[1].GetProperty("error").GetProperty("code").GetString());
        Assert.Equal("boom", events[1].GetProperty("error").GetProperty("message").GetString());
        Assert.DoesNotContain(events, e => e.GetProperty("finish").GetBoolean());
    }

    [Fact]
    public async Task ChatStream_UnknownModel_Returns404EnvelopeBeforeStreaming()
    {
        await using var fake = await FakeOllama.StartAsync(Model);
        await using var gateway = GatewayFactory.For(fake);

        var response = await gateway.Client().PostAsync("/api/v1/chat/stream", Json("""{"message":"Hello","model":"nope:latest"}"""));

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        ErrorBodies.AssertSutaz(await response.Content.ReadAsStringAsync(), "MODEL_NOT_FOUND");
    }

    [Fact]
    public async Task ChatBatch_GoodAndUnknownModel_PerItemSuccessAndError()
    {
        await using var fake = await FakeOllama.StartAsync(Model);
        await using var gateway = GatewayFactory.For(fake);
        var batch = """{"requests":[{"message":"one","model":"llama3:latest"},{"message":"two","model":"nope:latest"}]}""";

        var response = await gateway.Client().PostAsync("/api/v1/chat/batch", Json(batch));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var root = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
        Assert.True(root.GetProperty("success").GetBoolean());
        var data = root.GetProperty("data");
        Assert.Equal(1, data.GetProperty("succeeded").GetInt32());
        Assert.Equal(1, data.GetProperty("failed").GetInt32());
        var results = data.GetProperty("results");
        Assert.Equal(2, results.GetArrayLength());
        Assert.Equal(0, results[0].GetProperty("index").GetInt32());
        Assert.True(results[0].GetProperty("success").GetBoolean());
        Assert.Equal(JsonValueKind.Null, results[0].GetProperty("error").ValueKind);
        Assert.Equal("Hello from the fake model", results[0].GetProperty("data").GetProperty("response").GetString());
        Assert.Equal(Model, results[0].GetProperty("data").GetProperty("model").GetString());
        Assert.Equal(12, results[0].GetProperty("data").GetProperty("tokens_used").GetInt32());
        Assert.Equal(1, results[1].GetProperty("index").GetInt32());
        Assert.False(results[1].GetProperty("success").GetBoolean());
        Assert.Equal(JsonValueKind.Null, results[1].GetProperty("data").ValueKind);
        Assert.Equal("MODEL_NOT_FOUND", results[1].GetProperty("error").GetProperty("code").GetString());
        Assert.Equal("model 'nope:latest' not found", results[1].GetProperty("error").GetProperty("message").GetString());

        var sent = Assert.Single(fake.RequestsTo("/api/chat")).Json;
        Assert.Equal("one", sent.GetProperty("messages")[0].GetProperty("content").GetString());
    }

    [Fact]
    public async Task ChatBatch_InvalidItem_Returns400NamingItemBeforeAnyUpstreamCall()
    {
        await using var fake = await FakeOllama.StartAsync(Model);
        await using var gateway = GatewayFactory.For(fake);
        var batch = """{"requests":[{"message":"one","model":"llama3:latest"},{"message":"","model":"llama3:latest"}]}""";

        var response = await gateway.Client().PostAsync("/api/v1/chat/batch", Json(batch));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        ErrorBodies.AssertSutaz(await response.Content.ReadAsStringAsync(), "VALIDATION_ERROR", "requests[1].message");
        Assert.Empty(fake.RequestsTo("/api/chat"));
    }

    [Theory]
    [InlineData("""{"requests":[]}""")]
    [InlineData("""{}""")]
    [InlineData("""{"requests":[null]}""")]
    public async Task ChatBatch_EmptyOrNullRequests_Returns400(string batch)
    {
        await using var fake = await FakeOllama.StartAsync(Model);
        await using var gateway = GatewayFactory.For(fake);

        var response = await gateway.Client().PostAsync("/api/v1/chat/batch", Json(batch));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var field = ErrorBodies.AssertSutaz(await response.Content.ReadAsStringAsync(), "VALIDATION_ERROR").GetProperty("details").GetProperty("field").GetString();
        Assert.StartsWith("requests", field, StringComparison.Ordinal);
        Assert.Empty(fake.RequestsTo("/api/chat"));
    }
}
