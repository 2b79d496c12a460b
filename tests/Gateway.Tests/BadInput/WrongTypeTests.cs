using System.Net;
using System.Text.Json;
using SutazAi.Gateway.Tests.Infrastructure;
using SutazAi.TestKit;

namespace SutazAi.Gateway.Tests.BadInput;

/// <summary>
/// IN-05: wrong types and shapes are a 400 naming the field (OpenAI <c>param</c>, SutazAI <c>details.field</c>);
/// duplicate keys are refused so the model that was checked is the model forwarded; unknown fields are dropped.
/// </summary>
public sealed class WrongTypeTests
{
    private const string Messages = """[{"role":"user","content":"hi"}]""";

    [Theory]
    [InlineData("""{"model":"llama3:latest","messages":"hi"}""", "messages")]
    [InlineData("""{"model":"llama3:latest","messages":[{"role":"user","content":42}]}""", "messages[0].content")]
    [InlineData("""{"model":"llama3:latest","messages":[{"role":"robot","content":"x"}]}""", "messages[0].role")]
    [InlineData("""{"model":"llama3:latest","messages":[],"temperature":1}""", "messages")]
    [InlineData("""{"model":"llama3:latest","messages":MSG,"temperature":"hot"}""", "temperature")]
    [InlineData("""{"model":"llama3:latest","messages":MSG,"temperature":3}""", "temperature")]
    [InlineData("""{"model":"llama3:latest","messages":MSG,"stream":"yes"}""", "stream")]
    [InlineData("""{"model":"llama3:latest","messages":MSG,"max_tokens":-1}""", "max_tokens")]
    [InlineData("""{"model":"llama3:latest","messages":MSG,"max_tokens":0}""", "max_tokens")]
    [InlineData("""{"model":"llama3:latest","messages":MSG,"max_tokens":1e400}""", "max_tokens")]
    [InlineData("""{"model":"llama3:latest","messages":MSG,"max_tokens":"10"}""", "max_tokens")]
    [InlineData("""{"model":"llama3:latest","messages":MSG,"max_tokens":10.5}""", "max_tokens")]
    [InlineData("""{"model":"llama3:latest","model":"other:latest","messages":MSG}""", "model")]
    [InlineData("""{"model":"llama3:latest","messages":MSG,"n":2}""", "n")]
    [InlineData("""{"model":"llama3:latest","messages":MSG,"n":100}""", "n")]
    [InlineData("""{"model":"llama3:latest","messages":MSG,"logprobs":true}""", "logprobs")]
    [InlineData("""{"model":"llama3:latest","messages":MSG,"tool_choice":"required","tools":[{"type":"function","function":{"name":"f"}}]}""", "tool_choice")]
    [InlineData("""{"messages":MSG}""", "model")]
    [InlineData("""{"model":42,"messages":MSG}""", "model")]
    [InlineData("""{"model":"llama3:latest","messages":[{"role":"user","role":"system","content":"x"}]}""", "messages[0].role")]
    [InlineData("""{"model":"llama3:latest","messages":[{"role":"user","content":[{"type":"input_audio"}]}]}""", "messages[0].content[0].type")]
    [InlineData("""{"model":"llama3:latest","messages":[{"role":"user","content":[{"type":"image_url","image_url":{"url":"http://127.0.0.1/x.png"}}]}]}""", "messages[0].content[0].image_url")]
    public async Task ChatCompletions_WrongTypeOrValue_Returns400NamingParam(string body, string param)
    {
        await using var fake = await FakeOllama.StartAsync(RouteBodies.Model);
        await using var gateway = GatewayFactory.For(fake);

        var response = await gateway.Client().PostAsync("/v1/chat/completions", RouteBodies.Bytes(body.Replace("MSG", Messages, StringComparison.Ordinal)));

        await ErrorBodies.AssertRejectedAsync(response, "/v1/chat/completions", HttpStatusCode.BadRequest, "invalid_value", param);
        ErrorBodies.AssertNoGeneration(fake);
    }

    [Theory]
    [InlineData("""{"model":"llama3:latest","input":42}""", "input")]
    [InlineData("""{"model":"llama3:latest","input":""}""", "input")]
    [InlineData("""{"model":"llama3:latest","input":[1,2,3]}""", "input")]
    [InlineData("""{"model":"llama3:latest","input":"x","encoding_format":"hex"}""", "encoding_format")]
    [InlineData("""{"model":"llama3:latest","input":"x","dimensions":"big"}""", "dimensions")]
    [InlineData("""{"model":"llama3:latest","input":"x","input":"y"}""", "input")]
    public async Task Embeddings_WrongTypeOrValue_Returns400NamingParam(string body, string param)
    {
        await using var fake = await FakeOllama.StartAsync(RouteBodies.Model);
        await using var gateway = GatewayFactory.For(fake);

        var response = await gateway.Client().PostAsync("/v1/embeddings", RouteBodies.Bytes(body));

        await ErrorBodies.AssertRejectedAsync(response, "/v1/embeddings", HttpStatusCode.BadRequest, "invalid_value", param);
        ErrorBodies.AssertNoGeneration(fake);
    }

    [Theory]
    [InlineData("/api/chat", """{"model":"llama3:latest","messages":"hi"}""", "messages")]
    [InlineData("/api/chat", """{"model":"llama3:latest","messages":MSG,"stream":"yes"}""", "stream")]
    [InlineData("/api/chat", """{"model":"llama3:latest","messages":MSG,"options":{"temperature":"hot"}}""", "options.temperature")]
    [InlineData("/api/chat", """{"model":"llama3:latest","messages":MSG,"options":{"num_ctx":"4096"}}""", "options.num_ctx")]
    [InlineData("/api/chat", """{"model":"llama3:latest","messages":MSG,"think":"extreme"}""", "think")]
    [InlineData("/api/chat", """{"model":"llama3:latest","messages":MSG,"format":"xml"}""", "format")]
    [InlineData("/api/chat", """{"model":"llama3:latest","messages":MSG,"top_logprobs":21}""", "top_logprobs")]
    [InlineData("/api/chat", """{"model":"llama3:latest","messages":MSG,"keep_alive":"forever"}""", "keep_alive")]
    [InlineData("/api/chat", """{"model":"llama3:latest","model":"other:latest","messages":MSG}""", "model")]
    [InlineData("/api/chat", """{"messages":MSG}""", "model")]
    [InlineData("/api/chat", """{"model":"llama3:latest","messages":[null]}""", "messages")]
    [InlineData("/api/chat", """{"model":"llama3:latest","messages":[{"content":"hi"}]}""", "messages[0].role")]
    [InlineData("/api/chat", """{"model":"llama3:latest","messages":[{"role":"assistant","content":"","tool_calls":[{"function":{"name":"f","arguments":"{}"}}]}]}""", "tool call arguments")]
    [InlineData("/api/chat", """{"model":"llama3:latest","messages":MSG,"options":{"temperature":0.1,"temperature":2}}""", "options")]
    [InlineData("/api/chat", """{"model":"llama3:latest","messages":[{"role":"user","role":"system","content":"x"}]}""", "role")]
    [InlineData("/api/chat", """{"model":"llama3:latest","messages":MSG,"format":{"type":"object","type":"array"}}""", "format")]
    [InlineData("/api/chat", """{"model":"llama3:latest","messages":MSG,"tools":[{"type":"function"}]}""", "function.name")]
    [InlineData("/api/generate", """{"model":"llama3:latest","prompt":["hi"]}""", "prompt")]
    [InlineData("/api/generate", """{"model":"llama3:latest","prompt":"hi","context":"abc"}""", "context")]
    [InlineData("/api/generate", """{"model":"llama3:latest","prompt":"hi","options":{"seed":1.5}}""", "options.seed")]
    [InlineData("/api/embed", """{"model":"llama3:latest","input":{"text":"hi"}}""", "input")]
    [InlineData("/api/embed", """{"model":"llama3:latest"}""", "input")]
    [InlineData("/api/embed", """{"model":"llama3:latest","input":"x","dimensions":0}""", "dimensions")]
    public async Task OllamaRoutes_WrongTypeOrValue_Returns400ErrorMentioningField(string route, string body, string field)
    {
        await using var fake = await FakeOllama.StartAsync(RouteBodies.Model);
        await using var gateway = GatewayFactory.For(fake);

        var response = await gateway.Client().PostAsync(route, RouteBodies.Bytes(body.Replace("MSG", Messages, StringComparison.Ordinal)));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var message = ErrorBodies.AssertOllama(await response.Content.ReadAsStringAsync());
        Assert.Contains(field, message, StringComparison.Ordinal);
        ErrorBodies.AssertNoGeneration(fake);
    }

    [Theory]
    [InlineData("""{"message":42}""", "message")]
    [InlineData("""{"message":"hi","temperature":"hot"}""", "temperature")]
    [InlineData("""{"message":"hi","temperature":1.5}""", "temperature")]
    [InlineData("""{"message":"hi","max_tokens":-1}""", "max_tokens")]
    [InlineData("""{"message":"hi","max_tokens":1e400}""", "max_tokens")]
    [InlineData("""{"message":"hi","message":"ho","model":"llama3:latest"}""", "message")]
    [InlineData("""{"message":"hi","model":"llama3:latest","model":"other:latest"}""", "model")]
    public async Task SutazChat_WrongTypeOrValue_Returns400WithDetailsField(string body, string field)
    {
        await using var fake = await FakeOllama.StartAsync(RouteBodies.Model);
        await using var gateway = GatewayFactory.For(fake);

        var response = await gateway.Client().PostAsync("/api/v1/chat", RouteBodies.Bytes(body));

        await ErrorBodies.AssertRejectedAsync(response, "/api/v1/chat", HttpStatusCode.BadRequest, "invalid_value", field);
        ErrorBodies.AssertNoGeneration(fake);
    }

    [Fact]
    public async Task ChatCompletions_UnknownFields_DroppedAndCanonicalBodyForwarded()
    {
        await using var fake = await FakeOllama.StartAsync(RouteBodies.Model);
        await using var gateway = GatewayFactory.For(fake);
        var body = """{"model":"llama3:latest","messages":[{"role":"user","content":"hi","x_extra":1}],"user":"u1","metadata":{"a":"b"},"store":true,"x_unknown":[1,2]}""";

        var response = await gateway.Client().PostAsync("/v1/chat/completions", RouteBodies.Bytes(body));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var sent = Assert.Single(fake.RequestsTo("/api/chat")).Json;
        Assert.Equal(["model", "messages", "stream"], sent.EnumerateObject().Select(p => p.Name));
        Assert.Equal("llama3:latest", sent.GetProperty("model").GetString());
        Assert.False(sent.GetProperty("stream").GetBoolean());
        var message = Assert.Single(sent.GetProperty("messages").EnumerateArray());
        Assert.Equal(["role", "content"], message.EnumerateObject().Select(p => p.Name));
        Assert.Equal("user", message.GetProperty("role").GetString());
        Assert.Equal("hi", message.GetProperty("content").GetString());
    }

    [Fact]
    public async Task OllamaChat_UnknownFields_DroppedFromForwardedBody()
    {
        await using var fake = await FakeOllama.StartAsync(RouteBodies.Model);
        await using var gateway = GatewayFactory.For(fake);
        var body = """{"model":"llama3:latest","messages":[{"role":"user","content":"hi"}],"stream":false,"_debug_render_only":true,"x_unknown":{"a":1}}""";

        var response = await gateway.Client().PostAsync("/api/chat", RouteBodies.Bytes(body));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var sent = Assert.Single(fake.RequestsTo("/api/chat")).Json;
        Assert.Equal(["model", "messages", "stream"], sent.EnumerateObject().Select(p => p.Name));
        Assert.Equal(JsonValueKind.False, sent.GetProperty("stream").ValueKind);
    }
}
