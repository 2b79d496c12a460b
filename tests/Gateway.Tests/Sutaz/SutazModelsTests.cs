using System.Net;
using System.Text;
using System.Text.Json;
using SutazAi.Gateway.Tests.BadInput;
using SutazAi.Gateway.Tests.Infrastructure;
using SutazAi.TestKit;

namespace SutazAi.Gateway.Tests.Sutaz;

/// <summary>/api/v1/models: list, info, pull (SSE progress) and delete, over the merged Ollama catalogs.</summary>
public sealed class SutazModelsTests
{
    private const string Model = "llama3:latest";

    private static StringContent Json(string json) => new(json, Encoding.UTF8, "application/json");

    private static async Task<JsonElement> ModelsAsync(HttpClient client)
    {
        var response = await client.GetAsync("/api/v1/models");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var root = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
        Assert.True(root.GetProperty("success").GetBoolean());
        return root.GetProperty("data");
    }

    [Fact]
    public async Task Models_Get_ListsModelsWithSizeStatusAndDefaultModel()
    {
        await using var fake = await FakeOllama.StartAsync(Model);
        await using var gateway = GatewayFactory.For(fake);

        var data = await ModelsAsync(gateway.Client());

        Assert.Equal("tinyllama", data.GetProperty("default_model").GetString());
        var model = Assert.Single(data.GetProperty("models").EnumerateArray());
        Assert.Equal(["name", "size", "status", "last_used"], model.EnumerateObject().Select(p => p.Name));
        Assert.Equal(Model, model.GetProperty("name").GetString());
        Assert.Equal("4.3GB", model.GetProperty("size").GetString());
        Assert.Equal("available", model.GetProperty("status").GetString());
        Assert.Equal(JsonValueKind.Null, model.GetProperty("last_used").ValueKind);
    }

    [Fact]
    public async Task Models_LoadedAndUsed_StatusLoadedAndLastUsedSet()
    {
        await using var fake = await FakeOllama.StartAsync(Model, "phi3:mini");
        fake.Script("/api/ps", _ => FakeReply.Json("""{"models":[{"name":"llama3:latest","model":"llama3:latest","size":1,"digest":"sha256:a","expires_at":"2026-11-22T01:00:00Z","size_vram":1}]}"""));
        await using var gateway = GatewayFactory.For(fake);
        var client = gateway.Client();
        Assert.Equal(HttpStatusCode.OK, (await client.PostAsync("/api/v1/chat", Json("""{"message":"hi","model":"llama3:latest"}"""))).StatusCode);

        var models = (await ModelsAsync(client)).GetProperty("models").EnumerateArray().ToDictionary(m => m.GetProperty("name").GetString()!);

        Assert.Equal("loaded", models[Model].GetProperty("status").GetString());
        Assert.Equal(JsonValueKind.String, models[Model].GetProperty("last_used").ValueKind);
        Assert.Equal("available", models["phi3:mini"].GetProperty("status").GetString());
        Assert.Equal(JsonValueKind.Null, models["phi3:mini"].GetProperty("last_used").ValueKind);
    }

    /// <summary>A loaded-model entry without a name (a misbehaving upstream) is skipped; the listing still answers.</summary>
    [Fact]
    public async Task Models_RunningEntryWithNullName_ListStillAnswers()
    {
        await using var fake = await FakeOllama.StartAsync(Model);
        fake.Script("/api/ps", _ => FakeReply.Json("""{"models":[{"name":null,"model":"llama3:latest","size":1}]}"""));
        await using var gateway = GatewayFactory.For(fake);

        var response = await gateway.Client().GetAsync("/api/v1/models");

        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"{(int)response.StatusCode} {body}");
        Assert.Equal(Model, JsonDocument.Parse(body).RootElement.GetProperty("data").GetProperty("models")[0].GetProperty("name").GetString());
    }

    /// <summary>
    /// Whatever goes wrong inside, the client gets a complete response: a 500 in the SutazAI envelope (never a body cut
    /// off mid-way, never exception text). Driven by the same malformed /api/ps entry, which reaches the catch-all.
    /// </summary>
    [Fact]
    public async Task Models_UnexpectedFailure_CompleteResponseNeverTruncated()
    {
        await using var fake = await FakeOllama.StartAsync(Model);
        fake.Script("/api/ps", _ => FakeReply.Json("""{"models":[{"name":null,"model":"llama3:latest","size":1}]}"""));
        await using var gateway = GatewayFactory.For(fake);

        var response = await gateway.Client().GetAsync("/api/v1/models");

        var body = await response.Content.ReadAsStringAsync();
        if (response.StatusCode != HttpStatusCode.OK)
        {
            Assert.Equal(HttpStatusCode.InternalServerError, response.StatusCode);
            ErrorBodies.AssertSutaz(body, "OLLAMA_ERROR");
        }
    }

    [Fact]
    public async Task ModelInfo_KnownModel_EnvelopeWithShowAnswer()
    {
        await using var fake = await FakeOllama.StartAsync(Model);
        await using var gateway = GatewayFactory.For(fake);

        var response = await gateway.Client().GetAsync("/api/v1/models/llama3:latest/info");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var root = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
        Assert.True(root.GetProperty("success").GetBoolean());
        var data = root.GetProperty("data");
        Assert.Equal("llama", data.GetProperty("details").GetProperty("family").GetString());
        Assert.Equal("Q4_0", data.GetProperty("details").GetProperty("quantization_level").GetString());
        Assert.Equal(["completion", "tools"], data.GetProperty("capabilities").EnumerateArray().Select(c => c.GetString()));
        Assert.Equal("""{"model":"llama3:latest"}""", Assert.Single(fake.RequestsTo("/api/show")).Body);
    }

    [Fact]
    public async Task ModelInfo_NamespacedModel_RoutedWithSlashes()
    {
        await using var fake = await FakeOllama.StartAsync("library/qwen2:7b");
        await using var gateway = GatewayFactory.For(fake);

        var response = await gateway.Client().GetAsync("/api/v1/models/library/qwen2:7b/info");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("library/qwen2:7b", Assert.Single(fake.RequestsTo("/api/show")).Json.GetProperty("model").GetString());
    }

    [Fact]
    public async Task ModelInfo_UnknownModel_Returns404ModelNotFound()
    {
        await using var fake = await FakeOllama.StartAsync(Model);
        await using var gateway = GatewayFactory.For(fake);

        var response = await gateway.Client().GetAsync("/api/v1/models/nope:latest/info");

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        var error = ErrorBodies.AssertSutaz(await response.Content.ReadAsStringAsync(), "MODEL_NOT_FOUND");
        Assert.Equal("model 'nope:latest' not found", error.GetProperty("message").GetString());
    }

    [Fact]
    public async Task ModelGet_WithoutInfoSuffix_Returns404NotFound()
    {
        await using var fake = await FakeOllama.StartAsync(Model);
        await using var gateway = GatewayFactory.For(fake);

        var response = await gateway.Client().GetAsync("/api/v1/models/llama3:latest");

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        ErrorBodies.AssertSutaz(await response.Content.ReadAsStringAsync(), "NOT_FOUND");
        Assert.Empty(fake.RequestsTo("/api/show"));
    }

    [Fact]
    public async Task Pull_Model_SseProgressEndingInSuccessThenListed()
    {
        await using var fake = await FakeOllama.StartAsync(Model);
        await using var gateway = GatewayFactory.For(fake);
        var client = gateway.Client();

        var response = await client.PostAsync("/api/v1/models/pull", Json("""{"model":"mistral:latest"}"""));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/event-stream", response.Content.Headers.ContentType?.MediaType);
        var events = Sse.JsonEvents(await response.Content.ReadAsStringAsync());
        Assert.Equal(["pulling manifest", "downloading", "success"], events.Select(e => e.GetProperty("status").GetString()));
        Assert.Equal(100, events[1].GetProperty("completed").GetInt64());
        Assert.Equal("""{"status":"success"}""", events[^1].GetRawText());
        Assert.Equal("""{"model":"mistral:latest","stream":true}""", Assert.Single(fake.RequestsTo("/api/pull")).Body);
        Assert.Contains((await ModelsAsync(client)).GetProperty("models").EnumerateArray(), m => m.GetProperty("name").GetString() == "mistral:latest");
    }

    [Fact]
    public async Task Pull_MissingModel_Returns400()
    {
        await using var fake = await FakeOllama.StartAsync(Model);
        await using var gateway = GatewayFactory.For(fake);

        var response = await gateway.Client().PostAsync("/api/v1/models/pull", Json("{}"));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        ErrorBodies.AssertSutaz(await response.Content.ReadAsStringAsync(), "VALIDATION_ERROR", "model");
        Assert.Empty(fake.RequestsTo("/api/pull"));
    }

    [Fact]
    public async Task Delete_KnownModel_Returns204AndModelGone()
    {
        await using var fake = await FakeOllama.StartAsync(Model, "phi3:mini");
        await using var gateway = GatewayFactory.For(fake);
        var client = gateway.Client();

        var response = await client.DeleteAsync("/api/v1/models/llama3:latest");

        Assert.Equal(HttpStatusCode.NoContent, response.StatusCode);
        Assert.Empty(await response.Content.ReadAsByteArrayAsync());
        var sent = Assert.Single(fake.RequestsTo("/api/delete"));
        Assert.Equal("DELETE", sent.Method);
        Assert.Equal("""{"model":"llama3:latest"}""", sent.Body);
        Assert.Equal(["phi3:mini"], (await ModelsAsync(client)).GetProperty("models").EnumerateArray().Select(m => m.GetProperty("name").GetString()));
    }

    [Fact]
    public async Task Delete_UnknownModel_Returns404ModelNotFound()
    {
        await using var fake = await FakeOllama.StartAsync(Model);
        await using var gateway = GatewayFactory.For(fake);

        var response = await gateway.Client().DeleteAsync("/api/v1/models/nope:latest");

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        ErrorBodies.AssertSutaz(await response.Content.ReadAsStringAsync(), "MODEL_NOT_FOUND");
        Assert.Empty(fake.RequestsTo("/api/delete"));
    }
}
