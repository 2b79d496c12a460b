using System.Net;
using System.Text;
using System.Text.Json;
using SutazAi.Gateway.Tests.BadInput;
using SutazAi.Gateway.Tests.Infrastructure;
using SutazAi.TestKit;

namespace SutazAi.Gateway.Tests.Ollama;

/// <summary>POST /api/chat (PROTOCOLS.md §1.4): NDJSON by default, one object with stream:false, the body re-serialised.</summary>
public sealed class OllamaChatTests
{
    private const string Model = "llama3:latest";

    private static StringContent Json(string json) => new(json, Encoding.UTF8, "application/json");

    [Fact]
    public async Task Chat_DefaultStream_NdjsonLinesEndingWithDoneAndMetrics()
    {
        await using var fake = await FakeOllama.StartAsync(Model);
        await using var gateway = GatewayFactory.For(fake);

        var response = await gateway.Client().PostAsync("/api/chat", Json("""{"model":"llama3:latest","messages":[{"role":"user","content":"hi"}]}"""));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/x-ndjson", response.Content.Headers.ContentType?.MediaType);
        var body = await response.Content.ReadAsStringAsync();
        Assert.EndsWith("\n", body, StringComparison.Ordinal);
        var lines = Sse.NdjsonLines(body);
        Assert.Equal(6, lines.Count);
        foreach (var line in lines.Take(5))
        {
            Assert.Equal(Model, line.GetProperty("model").GetString());
            Assert.False(line.GetProperty("done").GetBoolean());
            Assert.Equal("assistant", line.GetProperty("message").GetProperty("role").GetString());
            Assert.False(line.TryGetProperty("eval_count", out _));
        }

        Assert.Equal("Hello from the fake model", string.Concat(lines.Select(l => l.GetProperty("message").GetProperty("content").GetString())));
        var last = lines[^1];
        Assert.True(last.GetProperty("done").GetBoolean());
        Assert.Equal("stop", last.GetProperty("done_reason").GetString());
        Assert.Equal("", last.GetProperty("message").GetProperty("content").GetString());
        Assert.Equal(7, last.GetProperty("prompt_eval_count").GetInt32());
        Assert.Equal(5, last.GetProperty("eval_count").GetInt32());
        Assert.Equal(1_000_000, last.GetProperty("total_duration").GetInt64());
        Assert.Equal(500_000, last.GetProperty("eval_duration").GetInt64());

        var sent = Assert.Single(fake.RequestsTo("/api/chat")).Json;
        Assert.True(sent.GetProperty("stream").GetBoolean());
    }

    [Fact]
    public async Task Chat_LegacyClientEmptyValues_ForwardsCanonicalReserialisedBody()
    {
        await using var fake = await FakeOllama.StartAsync(Model);
        await using var gateway = GatewayFactory.For(fake);
        var legacy = """
            {"model":"llama3:latest","messages":[{"role":"USER","content":"hi","images":null}],
             "format":"","tools":[],"context":[],"options":{},"keep_alive":null,"think":null,"x_unknown":1}
            """;

        var response = await gateway.Client().PostAsync("/api/chat", Json(legacy));

        Assert.True(response.StatusCode == HttpStatusCode.OK, await response.Content.ReadAsStringAsync());
        Assert.True(Sse.NdjsonLines(await response.Content.ReadAsStringAsync())[^1].GetProperty("done").GetBoolean());
        var sent = Assert.Single(fake.RequestsTo("/api/chat"));
        Assert.Equal("""{"model":"llama3:latest","messages":[{"role":"user","content":"hi"}],"stream":true}""", sent.Body);
        Assert.Equal("application/json", sent.Headers["Content-Type"]);
    }

    /// <summary>The gateway documents legacy <c>name</c> as folded into <c>model</c> (OllamaChatRequest.Name).</summary>
    [Fact]
    public async Task Chat_LegacyNameInsteadOfModel_ForwardedAsModel()
    {
        await using var fake = await FakeOllama.StartAsync(Model);
        await using var gateway = GatewayFactory.For(fake);

        var response = await gateway.Client().PostAsync("/api/chat", Json("""{"name":"llama3:latest","messages":[{"role":"user","content":"hi"}],"stream":false}"""));

        Assert.True(response.StatusCode == HttpStatusCode.OK, await response.Content.ReadAsStringAsync());
        var sent = Assert.Single(fake.RequestsTo("/api/chat"));
        Assert.Equal("""{"model":"llama3:latest","messages":[{"role":"user","content":"hi"}],"stream":false}""", sent.Body);
    }

    [Fact]
    public async Task Chat_FullRequest_ForwardsEveryKnownFieldValidated()
    {
        await using var fake = await FakeOllama.StartAsync(Model);
        await using var gateway = GatewayFactory.For(fake);
        var request = """
            {"model":"llama3:latest","stream":false,"think":"high","keep_alive":"10m","format":{"type":"object"},
             "options":{"temperature":0.3,"num_ctx":8192,"stop":["END"],"mirostat":1},"truncate":true,"shift":false,"top_logprobs":3,
             "tools":[{"type":"function","function":{"name":"get_weather","parameters":{"type":"object"}}}],
             "messages":[{"role":"system","content":"be brief"},{"role":"user","content":"weather?","images":["aGk="]},
                         {"role":"assistant","content":"","tool_calls":[{"function":{"name":"get_weather","arguments":{"city":"Paris"}}}]},
                         {"role":"tool","tool_name":"get_weather","content":"sunny"}]}
            """;

        var response = await gateway.Client().PostAsync("/api/chat", Json(request));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var sent = Assert.Single(fake.RequestsTo("/api/chat")).Json;
        Assert.False(sent.GetProperty("stream").GetBoolean());
        Assert.Equal("high", sent.GetProperty("think").GetString());
        Assert.Equal("10m", sent.GetProperty("keep_alive").GetString());
        Assert.Equal("object", sent.GetProperty("format").GetProperty("type").GetString());
        Assert.Equal(0.3, sent.GetProperty("options").GetProperty("temperature").GetDouble());
        Assert.Equal(8192, sent.GetProperty("options").GetProperty("num_ctx").GetInt32());
        Assert.Equal("END", sent.GetProperty("options").GetProperty("stop")[0].GetString());
        Assert.True(sent.GetProperty("truncate").GetBoolean());
        Assert.False(sent.GetProperty("shift").GetBoolean());
        Assert.Equal(3, sent.GetProperty("top_logprobs").GetInt32());
        Assert.Equal("get_weather", sent.GetProperty("tools")[0].GetProperty("function").GetProperty("name").GetString());
        var messages = sent.GetProperty("messages");
        Assert.Equal(["system", "user", "assistant", "tool"], messages.EnumerateArray().Select(m => m.GetProperty("role").GetString()));
        Assert.Equal("aGk=", messages[1].GetProperty("images")[0].GetString());
        Assert.Equal("Paris", messages[2].GetProperty("tool_calls")[0].GetProperty("function").GetProperty("arguments").GetProperty("city").GetString());
        Assert.Equal("get_weather", messages[3].GetProperty("tool_name").GetString());
    }

    [Fact]
    public async Task Chat_StreamFalse_ReturnsOneJsonObject()
    {
        await using var fake = await FakeOllama.StartAsync(Model);
        await using var gateway = GatewayFactory.For(fake);

        var response = await gateway.Client().PostAsync("/api/chat", Json("""{"model":"llama3:latest","messages":[{"role":"user","content":"hi"}],"stream":false}"""));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        var body = await response.Content.ReadAsStringAsync();
        Assert.DoesNotContain('\n', body.TrimEnd('\n'));
        var json = JsonDocument.Parse(body).RootElement;
        Assert.Equal(Model, json.GetProperty("model").GetString());
        Assert.Equal("2026-11-22T00:00:00.000000Z", json.GetProperty("created_at").GetString());
        Assert.Equal("assistant", json.GetProperty("message").GetProperty("role").GetString());
        Assert.Equal("Hello from the fake model", json.GetProperty("message").GetProperty("content").GetString());
        Assert.True(json.GetProperty("done").GetBoolean());
        Assert.Equal("stop", json.GetProperty("done_reason").GetString());
        Assert.Equal(7, json.GetProperty("prompt_eval_count").GetInt32());
        Assert.Equal(5, json.GetProperty("eval_count").GetInt32());
        Assert.False(Assert.Single(fake.RequestsTo("/api/chat")).Json.GetProperty("stream").GetBoolean());
    }

    [Fact]
    public async Task Chat_UnknownModel_Returns404WithoutUpstreamChat()
    {
        await using var fake = await FakeOllama.StartAsync(Model);
        await using var gateway = GatewayFactory.For(fake);

        var response = await gateway.Client().PostAsync("/api/chat", Json("""{"model":"nope:latest","messages":[{"role":"user","content":"hi"}]}"""));

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal("model 'nope:latest' not found", ErrorBodies.AssertOllama(await response.Content.ReadAsStringAsync()));
        Assert.Empty(fake.RequestsTo("/api/chat"));
    }

    [Fact]
    public async Task Chat_ModelWithoutTag_MatchesLatest()
    {
        await using var fake = await FakeOllama.StartAsync(Model);
        await using var gateway = GatewayFactory.For(fake);

        var response = await gateway.Client().PostAsync("/api/chat", Json("""{"model":"llama3","messages":[{"role":"user","content":"hi"}],"stream":false}"""));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("llama3", Assert.Single(fake.RequestsTo("/api/chat")).Json.GetProperty("model").GetString());
    }

    [Fact]
    public async Task Chat_EmptyMessages_ForwardedAsLoadRequest()
    {
        await using var fake = await FakeOllama.StartAsync(Model);
        fake.Script("/api/chat", _ => FakeReply.Json("""{"model":"llama3:latest","created_at":"2026-11-22T00:00:00Z","message":{"role":"assistant","content":""},"done_reason":"load","done":true}"""));
        await using var gateway = GatewayFactory.For(fake);

        var response = await gateway.Client().PostAsync("/api/chat", Json("""{"model":"llama3:latest","messages":[],"stream":false}"""));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("load", JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("done_reason").GetString());
        Assert.Equal(0, Assert.Single(fake.RequestsTo("/api/chat")).Json.GetProperty("messages").GetArrayLength());
    }
}
