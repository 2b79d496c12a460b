using System.Net;
using System.Text;
using System.Text.Json;
using SutazAi.Gateway.Tests.Infrastructure;
using SutazAi.TestKit;

namespace SutazAi.Gateway.Tests.OpenAI;

public sealed class EmbeddingsWireTests
{
    [Fact]
    public async Task Embeddings_FloatFormat_ReturnsListShape()
    {
        await using var fake = await FakeOllama.StartAsync("nomic-embed-text:latest");
        await using var gateway = GatewayFactory.For(fake);
        var response = await gateway.Client().PostAsync("/v1/embeddings",
            new StringContent("""{"model":"nomic-embed-text:latest","input":"hello","encoding_format":"float"}""", Encoding.UTF8, "application/json"));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
        Assert.Equal("list", json.GetProperty("object").GetString());
        Assert.Equal("nomic-embed-text:latest", json.GetProperty("model").GetString());
        var item = json.GetProperty("data")[0];
        Assert.Equal("embedding", item.GetProperty("object").GetString());
        Assert.Equal(0, item.GetProperty("index").GetInt32());
        Assert.Equal([0.5, -0.25, 0.125], item.GetProperty("embedding").EnumerateArray().Select(e => e.GetDouble()).ToArray());
        Assert.Equal(3, json.GetProperty("usage").GetProperty("prompt_tokens").GetInt32());
        Assert.Equal(3, json.GetProperty("usage").GetProperty("total_tokens").GetInt32());
    }

    [Theory]
    [InlineData("""{"model":"nomic-embed-text:latest","input":[1,2,3]}""", "input")]
    [InlineData("""{"model":"nomic-embed-text:latest","input":""}""", "input")]
    [InlineData("""{"model":"nomic-embed-text:latest","input":"x","encoding_format":"hex"}""", "encoding_format")]
    public async Task Embeddings_InvalidInput_Returns400(string json, string param)
    {
        await using var fake = await FakeOllama.StartAsync("nomic-embed-text:latest");
        await using var gateway = GatewayFactory.For(fake);
        var response = await gateway.Client().PostAsync("/v1/embeddings", new StringContent(json, Encoding.UTF8, "application/json"));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal(param, JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("error").GetProperty("param").GetString());
        Assert.Empty(fake.RequestsTo("/api/embed"));
    }
}
