using System.Net;
using System.Text;
using System.Text.Json;
using SutazAi.Gateway.Tests.Infrastructure;
using SutazAi.TestKit;

namespace SutazAi.Gateway.Tests.Ollama;

/// <summary>POST /api/generate (PROTOCOLS.md §1.3), /api/embed and legacy /api/embeddings (§1.7).</summary>
public sealed class OllamaGenerateAndEmbedTests
{
    private const string Model = "llama3:latest";

    private static StringContent Json(string json) => new(json, Encoding.UTF8, "application/json");

    [Fact]
    public async Task Generate_DefaultStream_NdjsonResponsesEndingWithDone()
    {
        await using var fake = await FakeOllama.StartAsync(Model);
        await using var gateway = GatewayFactory.For(fake);

        var response = await gateway.Client().PostAsync("/api/generate", Json("""{"model":"llama3:latest","prompt":"why is the sky blue?","context":[],"format":"","options":{}}"""));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/x-ndjson", response.Content.Headers.ContentType?.MediaType);
        var lines = Sse.NdjsonLines(await response.Content.ReadAsStringAsync());
        Assert.Equal(6, lines.Count);
        Assert.All(lines.Take(5), l => Assert.False(l.GetProperty("done").GetBoolean()));
        Assert.Equal("Hello from the fake model", string.Concat(lines.Select(l => l.GetProperty("response").GetString())));
        var last = lines[^1];
        Assert.True(last.GetProperty("done").GetBoolean());
        Assert.Equal("stop", last.GetProperty("done_reason").GetString());
        Assert.Equal(7, last.GetProperty("prompt_eval_count").GetInt32());
        Assert.Equal(5, last.GetProperty("eval_count").GetInt32());

        var sent = Assert.Single(fake.RequestsTo("/api/generate"));
        Assert.Equal("""{"model":"llama3:latest","prompt":"why is the sky blue?","stream":true}""", sent.Body);
    }

    [Fact]
    public async Task Generate_StreamFalse_ReturnsOneObjectAndForwardsFields()
    {
        await using var fake = await FakeOllama.StartAsync(Model);
        await using var gateway = GatewayFactory.For(fake);
        var request = """{"model":"llama3:latest","prompt":"hi","system":"be brief","suffix":"end","raw":true,"context":[1,2,3],"images":["aGk="],"format":"json","keep_alive":"5m","stream":false}""";

        var response = await gateway.Client().PostAsync("/api/generate", Json(request));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
        Assert.Equal(Model, json.GetProperty("model").GetString());
        Assert.Equal("Hello from the fake model", json.GetProperty("response").GetString());
        Assert.True(json.GetProperty("done").GetBoolean());
        Assert.Equal(12, json.GetProperty("prompt_eval_count").GetInt32() + json.GetProperty("eval_count").GetInt32());

        var sent = Assert.Single(fake.RequestsTo("/api/generate")).Json;
        Assert.False(sent.GetProperty("stream").GetBoolean());
        Assert.Equal("be brief", sent.GetProperty("system").GetString());
        Assert.Equal("end", sent.GetProperty("suffix").GetString());
        Assert.True(sent.GetProperty("raw").GetBoolean());
        Assert.Equal([1L, 2L, 3L], sent.GetProperty("context").EnumerateArray().Select(c => c.GetInt64()));
        Assert.Equal("aGk=", sent.GetProperty("images")[0].GetString());
        Assert.Equal("json", sent.GetProperty("format").GetString());
        Assert.Equal("5m", sent.GetProperty("keep_alive").GetString());
    }

    [Fact]
    public async Task Embed_ArrayInput_PassesEmbeddingsThrough()
    {
        await using var fake = await FakeOllama.StartAsync(Model);
        await using var gateway = GatewayFactory.For(fake);

        var response = await gateway.Client().PostAsync("/api/embed", Json("""{"model":"llama3:latest","input":["first","second"],"truncate":true,"dimensions":3}"""));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
        Assert.Equal(Model, json.GetProperty("model").GetString());
        var embeddings = json.GetProperty("embeddings");
        Assert.Equal(2, embeddings.GetArrayLength());
        Assert.Equal([0.5, -0.25, 0.125], embeddings[0].EnumerateArray().Select(v => v.GetDouble()));
        Assert.Equal([1.5, -0.25, 0.125], embeddings[1].EnumerateArray().Select(v => v.GetDouble()));
        Assert.Equal(6, json.GetProperty("prompt_eval_count").GetInt32());

        var sent = Assert.Single(fake.RequestsTo("/api/embed")).Json;
        Assert.Equal(["first", "second"], sent.GetProperty("input").EnumerateArray().Select(i => i.GetString()));
        Assert.True(sent.GetProperty("truncate").GetBoolean());
        Assert.Equal(3, sent.GetProperty("dimensions").GetInt32());
    }

    [Fact]
    public async Task Embed_StringInput_ForwardedAsString()
    {
        await using var fake = await FakeOllama.StartAsync(Model);
        await using var gateway = GatewayFactory.For(fake);

        var response = await gateway.Client().PostAsync("/api/embed", Json("""{"model":"llama3:latest","input":"only"}"""));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(1, JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("embeddings").GetArrayLength());
        Assert.Equal("only", Assert.Single(fake.RequestsTo("/api/embed")).Json.GetProperty("input").GetString());
    }

    [Fact]
    public async Task Embeddings_LegacyPrompt_ReturnsSingleEmbedding()
    {
        await using var fake = await FakeOllama.StartAsync(Model);
        await using var gateway = GatewayFactory.For(fake);

        var response = await gateway.Client().PostAsync("/api/embeddings", Json("""{"model":"llama3:latest","prompt":"hello","options":{"temperature":0}}"""));

        Assert.True(response.StatusCode == HttpStatusCode.OK, await response.Content.ReadAsStringAsync());
        Assert.Equal("""{"embedding":[0.5,-0.25,0.125]}""", await response.Content.ReadAsStringAsync());
        var sent = Assert.Single(fake.RequestsTo("/api/embeddings"));
        Assert.Equal("""{"model":"llama3:latest","prompt":"hello","options":{"temperature":0}}""", sent.Body);
    }

    /// <summary>The gateway documents legacy <c>name</c> as folded into <c>model</c> on every generation DTO.</summary>
    [Theory]
    [InlineData("/api/generate", """{"name":"llama3:latest","prompt":"hi","stream":false}""")]
    [InlineData("/api/embed", """{"name":"llama3:latest","input":"hi"}""")]
    [InlineData("/api/embeddings", """{"name":"llama3:latest","prompt":"hi"}""")]
    public async Task GenerateAndEmbed_LegacyNameInsteadOfModel_ForwardedAsModel(string route, string body)
    {
        await using var fake = await FakeOllama.StartAsync(Model);
        await using var gateway = GatewayFactory.For(fake);

        var response = await gateway.Client().PostAsync(route, Json(body));

        Assert.True(response.StatusCode == HttpStatusCode.OK, await response.Content.ReadAsStringAsync());
        var sent = Assert.Single(fake.RequestsTo(route)).Json;
        Assert.Equal(Model, sent.GetProperty("model").GetString());
        Assert.False(sent.TryGetProperty("name", out _));
    }
}
