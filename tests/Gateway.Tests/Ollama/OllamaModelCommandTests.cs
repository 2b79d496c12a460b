using System.Net;
using System.Text;
using System.Text.Json;
using SutazAi.Gateway.Tests.BadInput;
using SutazAi.Gateway.Tests.Infrastructure;
using SutazAi.TestKit;

namespace SutazAi.Gateway.Tests.Ollama;

/// <summary>Model management passed through (PROTOCOLS.md §1.8 "Others"): pull, copy, delete; listings follow at once.</summary>
public sealed class OllamaModelCommandTests
{
    private static StringContent Json(string json) => new(json, Encoding.UTF8, "application/json");

    private static async Task<IReadOnlyList<string?>> TagNamesAsync(HttpClient client)
    {
        var json = JsonDocument.Parse(await client.GetStringAsync("/api/tags")).RootElement;
        return [.. json.GetProperty("models").EnumerateArray().Select(m => m.GetProperty("name").GetString())];
    }

    private static HttpRequestMessage Delete(string json) => new(HttpMethod.Delete, "/api/delete") { Content = Json(json) };

    [Fact]
    public async Task Pull_DefaultStream_ProgressLinesEndingInSuccessAndModelListed()
    {
        await using var fake = await FakeOllama.StartAsync("llama3:latest");
        await using var gateway = GatewayFactory.For(fake);
        var client = gateway.Client();

        var response = await client.PostAsync("/api/pull", Json("""{"model":"mistral:latest"}"""));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/x-ndjson", response.Content.Headers.ContentType?.MediaType);
        var lines = Sse.NdjsonLines(await response.Content.ReadAsStringAsync());
        Assert.Equal(["pulling manifest", "downloading", "success"], lines.Select(l => l.GetProperty("status").GetString()));
        Assert.Equal("sha256:abc", lines[1].GetProperty("digest").GetString());
        Assert.Equal(100, lines[1].GetProperty("total").GetInt64());
        Assert.Equal(100, lines[1].GetProperty("completed").GetInt64());
        Assert.Equal("""{"status":"success"}""", lines[^1].GetRawText());

        var sent = Assert.Single(fake.RequestsTo("/api/pull")).Json;
        Assert.Equal("mistral:latest", sent.GetProperty("model").GetString());
        Assert.True(sent.GetProperty("stream").GetBoolean());
        Assert.Contains("mistral:latest", await TagNamesAsync(client));
    }

    [Fact]
    public async Task Pull_LegacyNameStreamFalse_ReturnsOneSuccessObject()
    {
        await using var fake = await FakeOllama.StartAsync("llama3:latest");
        await using var gateway = GatewayFactory.For(fake);

        var response = await gateway.Client().PostAsync("/api/pull", Json("""{"name":"phi3","stream":false,"insecure":false}"""));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal("""{"status":"success"}""", await response.Content.ReadAsStringAsync());
        var sent = Assert.Single(fake.RequestsTo("/api/pull")).Json;
        Assert.Equal("phi3", sent.GetProperty("model").GetString());
        Assert.False(sent.GetProperty("stream").GetBoolean());
        Assert.False(sent.GetProperty("insecure").GetBoolean());
        Assert.False(sent.TryGetProperty("name", out _));
    }

    [Fact]
    public async Task Pull_StreamNotBoolean_Returns400()
    {
        await using var fake = await FakeOllama.StartAsync("llama3:latest");
        await using var gateway = GatewayFactory.For(fake);

        var response = await gateway.Client().PostAsync("/api/pull", Json("""{"model":"phi3","stream":"yes"}"""));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("stream must be a boolean", ErrorBodies.AssertOllama(await response.Content.ReadAsStringAsync()));
        Assert.Empty(fake.RequestsTo("/api/pull"));
    }

    [Fact]
    public async Task Copy_KnownSource_Returns200AndDestinationListed()
    {
        await using var fake = await FakeOllama.StartAsync("llama3:latest");
        await using var gateway = GatewayFactory.For(fake);
        var client = gateway.Client();

        var response = await client.PostAsync("/api/copy", Json("""{"source":"llama3:latest","destination":"llama3-backup:latest"}"""));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var sent = Assert.Single(fake.RequestsTo("/api/copy")).Json;
        Assert.Equal("llama3:latest", sent.GetProperty("source").GetString());
        Assert.Equal("llama3-backup:latest", sent.GetProperty("destination").GetString());
        Assert.Equal(["llama3-backup:latest", "llama3:latest"], await TagNamesAsync(client));
    }

    [Fact]
    public async Task Copy_UnknownSource_Returns404WithoutUpstreamCopy()
    {
        await using var fake = await FakeOllama.StartAsync("llama3:latest");
        await using var gateway = GatewayFactory.For(fake);

        var response = await gateway.Client().PostAsync("/api/copy", Json("""{"source":"nope:latest","destination":"x:latest"}"""));

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal("model 'nope:latest' not found", ErrorBodies.AssertOllama(await response.Content.ReadAsStringAsync()));
        Assert.Empty(fake.RequestsTo("/api/copy"));
    }

    [Fact]
    public async Task Delete_KnownModel_Returns200AndModelGoneFromTags()
    {
        await using var fake = await FakeOllama.StartAsync("llama3:latest", "phi3:mini");
        await using var gateway = GatewayFactory.For(fake);
        var client = gateway.Client();
        Assert.Contains("llama3:latest", await TagNamesAsync(client));

        var response = await client.SendAsync(Delete("""{"model":"llama3:latest"}"""));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var sent = Assert.Single(fake.RequestsTo("/api/delete"));
        Assert.Equal("DELETE", sent.Method);
        Assert.Equal("llama3:latest", sent.Json.GetProperty("model").GetString());
        Assert.Equal(["phi3:mini"], await TagNamesAsync(client));
    }

    [Fact]
    public async Task Delete_LegacyName_ForwardedAsModel()
    {
        await using var fake = await FakeOllama.StartAsync("llama3:latest");
        await using var gateway = GatewayFactory.For(fake);

        var response = await gateway.Client().SendAsync(Delete("""{"name":"llama3:latest"}"""));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("""{"model":"llama3:latest"}""", Assert.Single(fake.RequestsTo("/api/delete")).Body);
    }

    [Fact]
    public async Task Delete_ModelOnTwoServers_DeletedOnBoth()
    {
        await using var first = await FakeOllama.StartAsync("shared:latest", "llama3:latest");
        await using var second = await FakeOllama.StartAsync("shared:latest");
        await using var gateway = GatewayFactory.For(first, second);
        var client = gateway.Client();

        var response = await client.SendAsync(Delete("""{"model":"shared:latest"}"""));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Single(first.RequestsTo("/api/delete"));
        Assert.Single(second.RequestsTo("/api/delete"));
        Assert.Equal(["llama3:latest"], await TagNamesAsync(client));
    }

    [Fact]
    public async Task Delete_UnknownModel_Returns404WithOllamaMessage()
    {
        await using var fake = await FakeOllama.StartAsync("llama3:latest");
        await using var gateway = GatewayFactory.For(fake);

        var response = await gateway.Client().SendAsync(Delete("""{"model":"x"}"""));

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal("model 'x' not found", ErrorBodies.AssertOllama(await response.Content.ReadAsStringAsync()));
        Assert.Empty(fake.RequestsTo("/api/delete"));
    }
}
