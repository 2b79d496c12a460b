using System.Net;
using System.Text;
using System.Text.Json;
using SutazAi.Gateway.Tests.BadInput;
using SutazAi.Gateway.Tests.Infrastructure;
using SutazAi.Gateway.Upstreams;
using SutazAi.TestKit;

namespace SutazAi.Gateway.Tests.Ollama;

/// <summary>The Ollama read-only routes (PROTOCOLS.md §1.1, §1.8): /, /api/version, /api/tags, /api/ps, /api/show.</summary>
public sealed class OllamaInfoRouteTests
{
    private static StringContent Json(string json) => new(json, Encoding.UTF8, "application/json");

    [Fact]
    public async Task Root_Get_ReturnsOllamaIsRunning()
    {
        await using var fake = await FakeOllama.StartAsync("llama3:latest");
        await using var gateway = GatewayFactory.For(fake);

        var response = await gateway.Client().GetAsync("/");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/plain", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal("Ollama is running", await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Root_Head_Returns200WithoutBody()
    {
        await using var fake = await FakeOllama.StartAsync("llama3:latest");
        await using var gateway = GatewayFactory.For(fake);

        var response = await gateway.Client().SendAsync(new HttpRequestMessage(HttpMethod.Head, "/"));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Empty(await response.Content.ReadAsByteArrayAsync());
    }

    [Fact]
    public async Task Version_Get_PassesUpstreamVersion()
    {
        await using var fake = await FakeOllama.StartAsync("llama3:latest");
        await using var gateway = GatewayFactory.For(fake);

        var response = await gateway.Client().GetAsync("/api/version");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
        Assert.Equal("0.9.0", Assert.Single(json.EnumerateObject(), p => p.Name == "version").Value.GetString());
        Assert.Single(json.EnumerateObject());
    }

    [Fact]
    public async Task Version_Head_Returns200WithoutBody()
    {
        await using var fake = await FakeOllama.StartAsync("llama3:latest");
        await using var gateway = GatewayFactory.For(fake);

        var response = await gateway.Client().SendAsync(new HttpRequestMessage(HttpMethod.Head, "/api/version"));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Empty(await response.Content.ReadAsByteArrayAsync());
    }

    [Fact]
    public async Task Tags_TwoServers_MergedWithSharedModelListedOnce()
    {
        await using var first = await FakeOllama.StartAsync("llama3:latest", "shared:latest");
        await using var second = await FakeOllama.StartAsync("mistral:7b", "shared:latest");
        await using var gateway = GatewayFactory.For(first, second);
        await gateway.Service<UpstreamPool>().RefreshCatalogsAsync(default);

        var response = await gateway.Client().GetAsync("/api/tags");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        var models = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("models");
        Assert.Equal(["llama3:latest", "mistral:7b", "shared:latest"], models.EnumerateArray().Select(m => m.GetProperty("name").GetString()));
        foreach (var model in models.EnumerateArray())
        {
            var name = model.GetProperty("name").GetString();
            Assert.Equal(name, model.GetProperty("model").GetString());
            Assert.Equal("2026-11-01T10:00:00.000000Z", model.GetProperty("modified_at").GetString());
            Assert.Equal(4_661_224_676L, model.GetProperty("size").GetInt64());
            var digest = model.GetProperty("digest").GetString()!;
            Assert.StartsWith("sha256:", digest, StringComparison.Ordinal);
            Assert.Equal(71, digest.Length);
            var details = model.GetProperty("details");
            Assert.Equal("", details.GetProperty("parent_model").GetString());
            Assert.Equal("gguf", details.GetProperty("format").GetString());
            Assert.Equal("llama", details.GetProperty("family").GetString());
            Assert.Equal(["llama"], details.GetProperty("families").EnumerateArray().Select(f => f.GetString()));
            Assert.Equal("8.0B", details.GetProperty("parameter_size").GetString());
            Assert.Equal("Q4_0", details.GetProperty("quantization_level").GetString());
        }
    }

    [Fact]
    public async Task Tags_BeforeAnyCatalogWasRead_WaitsForOneRefresh()
    {
        await using var fake = await FakeOllama.StartAsync("llama3:latest", "phi3:mini");
        await using var gateway = GatewayFactory.For(fake);

        var response = await gateway.Client().GetAsync("/api/tags");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var models = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("models");
        Assert.Equal(["llama3:latest", "phi3:mini"], models.EnumerateArray().Select(m => m.GetProperty("name").GetString()));
    }

    /// <summary>A malformed /api/tags entry from one upstream must not break listings or the health monitor.</summary>
    [Fact]
    public async Task Tags_UpstreamEntryWithNullName_GatewayKeepsServing()
    {
        await using var fake = await FakeOllama.StartAsync("llama3:latest");
        fake.Script("/api/tags", _ => FakeReply.Json("""{"models":[{"name":null,"model":null,"size":1},{"name":"llama3:latest","model":"llama3:latest","size":2}]}"""));
        await using var gateway = GatewayFactory.For(fake);
        var client = gateway.Client();

        var tags = await client.GetAsync("/api/tags");
        var live = await client.GetAsync("/health/live");

        Assert.Equal(HttpStatusCode.OK, live.StatusCode);
        var body = await tags.Content.ReadAsStringAsync();
        Assert.True(tags.StatusCode == HttpStatusCode.OK, $"{(int)tags.StatusCode} {body}");
        Assert.Contains("llama3:latest", JsonDocument.Parse(body).RootElement.GetProperty("models").EnumerateArray().Select(m => m.GetProperty("name").GetString()));
    }

    [Fact]
    public async Task Ps_TwoServers_MergesLoadedModelsWithAllFields()
    {
        await using var first = await FakeOllama.StartAsync("llama3:latest");
        await using var second = await FakeOllama.StartAsync("mistral:7b");
        first.Script("/api/ps", _ => FakeReply.Json("""{"models":[{"name":"llama3:latest","model":"llama3:latest","size":5137025024,"digest":"sha256:abc","details":{"family":"llama"},"expires_at":"2026-11-22T01:00:00Z","size_vram":5137025024,"context_length":8192}]}"""));
        second.Script("/api/ps", _ => FakeReply.Json("""{"models":[{"name":"mistral:7b","model":"mistral:7b","size":4000,"digest":"sha256:def","details":{"family":"mistral"},"expires_at":"2026-11-22T02:00:00Z","size_vram":0}]}"""));
        await using var gateway = GatewayFactory.For(first, second);

        var response = await gateway.Client().GetAsync("/api/ps");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var models = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("models");
        Assert.Equal(2, models.GetArrayLength());
        var llama = models.EnumerateArray().Single(m => m.GetProperty("name").GetString() == "llama3:latest");
        Assert.Equal("llama3:latest", llama.GetProperty("model").GetString());
        Assert.Equal(5137025024L, llama.GetProperty("size").GetInt64());
        Assert.Equal("sha256:abc", llama.GetProperty("digest").GetString());
        Assert.Equal("llama", llama.GetProperty("details").GetProperty("family").GetString());
        Assert.Equal("2026-11-22T01:00:00Z", llama.GetProperty("expires_at").GetString());
        Assert.Equal(5137025024L, llama.GetProperty("size_vram").GetInt64());
        Assert.Equal(8192, llama.GetProperty("context_length").GetInt32());
        var mistral = models.EnumerateArray().Single(m => m.GetProperty("name").GetString() == "mistral:7b");
        Assert.Equal(0, mistral.GetProperty("size_vram").GetInt64());
    }

    [Fact]
    public async Task Ps_NothingLoaded_ReturnsEmptyList()
    {
        await using var fake = await FakeOllama.StartAsync("llama3:latest");
        await using var gateway = GatewayFactory.For(fake);

        var response = await gateway.Client().GetAsync("/api/ps");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("""{"models":[]}""", await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Show_LegacyName_ForwardedAsModelAndAnswerPassedThrough()
    {
        await using var fake = await FakeOllama.StartAsync("llama3:latest");
        await using var gateway = GatewayFactory.For(fake);

        var response = await gateway.Client().PostAsync("/api/show", Json("""{"name":"llama3:latest","verbose":true}"""));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
        Assert.Equal("FROM x", json.GetProperty("modelfile").GetString());
        Assert.Equal("{{ .Prompt }}", json.GetProperty("template").GetString());
        Assert.Equal("llama", json.GetProperty("details").GetProperty("family").GetString());
        Assert.Equal("8B", json.GetProperty("details").GetProperty("parameter_size").GetString());
        Assert.Equal("llama", json.GetProperty("model_info").GetProperty("general.architecture").GetString());
        Assert.Equal(["completion", "tools"], json.GetProperty("capabilities").EnumerateArray().Select(c => c.GetString()));

        var sent = Assert.Single(fake.RequestsTo("/api/show")).Json;
        Assert.Equal("llama3:latest", sent.GetProperty("model").GetString());
        Assert.True(sent.GetProperty("verbose").GetBoolean());
        Assert.False(sent.TryGetProperty("name", out _));
    }

    [Fact]
    public async Task Show_UnknownModel_Returns404InOllamaShape()
    {
        await using var fake = await FakeOllama.StartAsync("llama3:latest");
        await using var gateway = GatewayFactory.For(fake);

        var response = await gateway.Client().PostAsync("/api/show", Json("""{"model":"nope:latest"}"""));

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal("model 'nope:latest' not found", ErrorBodies.AssertOllama(await response.Content.ReadAsStringAsync()));
    }

    [Fact]
    public async Task Show_MissingModel_Returns400()
    {
        await using var fake = await FakeOllama.StartAsync("llama3:latest");
        await using var gateway = GatewayFactory.For(fake);

        var response = await gateway.Client().PostAsync("/api/show", Json("{}"));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("model is required", ErrorBodies.AssertOllama(await response.Content.ReadAsStringAsync()));
        Assert.Empty(fake.RequestsTo("/api/show"));
    }
}
