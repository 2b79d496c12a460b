using System.Net;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using SutazAi.Gateway.Tests.Infrastructure;
using SutazAi.TestKit;

namespace SutazAi.Gateway.Tests.BadInput;

/// <summary>
/// IN-07: one documented rule per field (README "Limits"). num_ctx, tool and message counts above the ceiling are a
/// 400; max_tokens / num_predict and keep_alive are clamped and the clamped value is what FakeOllama receives.
/// </summary>
public sealed class ResourceLimitTests
{
    [Theory]
    [InlineData("1000000000")]
    [InlineData("1e9")]
    [InlineData("262145")]
    public async Task OllamaChat_NumCtxAboveCeiling_Returns400(string numCtx)
    {
        await using var fake = await FakeOllama.StartAsync(RouteBodies.Model);
        await using var gateway = GatewayFactory.For(fake);
        var body = """{"model":"llama3:latest","messages":[{"role":"user","content":"hi"}],"options":{"num_ctx":""" + numCtx + "}}";

        var response = await gateway.Client().PostAsync("/api/chat", RouteBodies.Bytes(body));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("options.num_ctx", ErrorBodies.AssertOllama(await response.Content.ReadAsStringAsync()), StringComparison.Ordinal);
        ErrorBodies.AssertNoGeneration(fake);
    }

    [Fact]
    public async Task OllamaChat_NumCtxAtCeiling_Forwarded()
    {
        await using var fake = await FakeOllama.StartAsync(RouteBodies.Model);
        await using var gateway = GatewayFactory.For(fake);
        var body = """{"model":"llama3:latest","messages":[{"role":"user","content":"hi"}],"stream":false,"options":{"num_ctx":262144}}""";

        var response = await gateway.Client().PostAsync("/api/chat", RouteBodies.Bytes(body));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(262144, Assert.Single(fake.RequestsTo("/api/chat")).Json.GetProperty("options").GetProperty("num_ctx").GetInt64());
    }

    [Theory]
    [InlineData("max_tokens", 1_000_000_000, 131072)]
    [InlineData("max_completion_tokens", 1_000_000_000, 131072)]
    [InlineData("max_tokens", 131073, 131072)]
    [InlineData("max_tokens", 100, 100)]
    public async Task ChatCompletions_MaxTokens_ClampedToCeiling(string field, int requested, int forwarded)
    {
        await using var fake = await FakeOllama.StartAsync(RouteBodies.Model);
        await using var gateway = GatewayFactory.For(fake);
        var body = $$"""{"model":"llama3:latest","messages":[{"role":"user","content":"hi"}],"{{field}}":{{requested}}}""";

        var response = await gateway.Client().PostAsync("/v1/chat/completions", RouteBodies.Bytes(body));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(forwarded, Assert.Single(fake.RequestsTo("/api/chat")).Json.GetProperty("options").GetProperty("num_predict").GetInt32());
    }

    [Theory]
    [InlineData("/api/chat", "1000000000", 131072)]
    [InlineData("/api/chat", "-1", 131072)]
    [InlineData("/api/chat", "-2", 131072)]
    [InlineData("/api/generate", "1000000000", 131072)]
    [InlineData("/api/generate", "64", 64)]
    public async Task OllamaRoutes_NumPredict_ClampedToCeiling(string route, string requested, int forwarded)
    {
        await using var fake = await FakeOllama.StartAsync(RouteBodies.Model);
        await using var gateway = GatewayFactory.For(fake);
        var node = RouteBodies.Node(route);
        node["options"] = JsonNode.Parse($$"""{"num_predict":{{requested}}}""");

        var response = await gateway.Client().PostAsync(route, RouteBodies.Bytes(node.ToJsonString()));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(forwarded, Assert.Single(fake.RequestsTo(route)).Json.GetProperty("options").GetProperty("num_predict").GetInt32());
    }

    [Theory]
    [InlineData("\"-1\"")]
    [InlineData("-1")]
    [InlineData("\"-1s\"")]
    [InlineData("\"48h\"")]
    [InlineData("172800")]
    public async Task Generate_KeepAliveForeverOrAboveCeiling_ClampedTo24Hours(string keepAlive)
    {
        await using var fake = await FakeOllama.StartAsync(RouteBodies.Model);
        await using var gateway = GatewayFactory.For(fake);
        var body = $$"""{"model":"llama3:latest","prompt":"hi","stream":false,"keep_alive":{{keepAlive}}}""";

        var response = await gateway.Client().PostAsync("/api/generate", RouteBodies.Bytes(body));

        Assert.True(response.StatusCode == HttpStatusCode.OK, $"keep_alive {keepAlive}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
        var sent = Assert.Single(fake.RequestsTo("/api/generate")).Json.GetProperty("keep_alive");
        Assert.Equal(JsonValueKind.Number, sent.ValueKind);
        Assert.Equal(86400, sent.GetInt64());
    }

    [Theory]
    [InlineData("\"5m\"")]
    [InlineData("0")]
    [InlineData("\"1h30m\"")]
    [InlineData("300")]
    public async Task Generate_KeepAliveWithinCeiling_ForwardedUnchanged(string keepAlive)
    {
        await using var fake = await FakeOllama.StartAsync(RouteBodies.Model);
        await using var gateway = GatewayFactory.For(fake);
        var body = $$"""{"model":"llama3:latest","prompt":"hi","stream":false,"keep_alive":{{keepAlive}}}""";

        var response = await gateway.Client().PostAsync("/api/generate", RouteBodies.Bytes(body));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(keepAlive, Assert.Single(fake.RequestsTo("/api/generate")).Json.GetProperty("keep_alive").GetRawText());
    }

    [Theory]
    [InlineData("/v1/chat/completions")]
    [InlineData("/api/chat")]
    public async Task Chat_FiveThousandTools_Returns400(string route)
    {
        await using var fake = await FakeOllama.StartAsync(RouteBodies.Model);
        await using var gateway = GatewayFactory.For(fake);
        var node = RouteBodies.Node(route);
        node["tools"] = new JsonArray([.. Enumerable.Range(0, 5000).Select(i => (JsonNode)new JsonObject
        {
            ["type"] = "function",
            ["function"] = new JsonObject { ["name"] = $"tool_{i}", ["parameters"] = new JsonObject { ["type"] = "object" } },
        })]);

        var response = await gateway.Client().PostAsync(route, RouteBodies.Bytes(node.ToJsonString()));

        await ErrorBodies.AssertRejectedAsync(response, route, HttpStatusCode.BadRequest, "invalid_value", "tools");
        ErrorBodies.AssertNoGeneration(fake);
    }

    [Theory]
    [InlineData("/v1/chat/completions")]
    [InlineData("/api/chat")]
    public async Task Chat_FiftyThousandMessages_Returns400(string route)
    {
        await using var fake = await FakeOllama.StartAsync(RouteBodies.Model);
        await using var gateway = GatewayFactory.For(fake);
        var json = new StringBuilder(RouteBodies.Json(route));
        var messages = string.Join(',', Enumerable.Repeat("""{"role":"user","content":"hi"}""", 50_000));
        json.Replace("""[{"role":"user","content":"hi"}]""", "[" + messages + "]");

        var response = await gateway.Client().PostAsync(route, RouteBodies.Bytes(json.ToString()));

        await ErrorBodies.AssertRejectedAsync(response, route, HttpStatusCode.BadRequest, "invalid_value", "messages");
        ErrorBodies.AssertNoGeneration(fake);
    }

    [Fact]
    public async Task SutazChat_MaxTokensAboveCeiling_ClampedToCeiling()
    {
        await using var fake = await FakeOllama.StartAsync(RouteBodies.Model);
        await using var gateway = GatewayFactory.For(fake);

        var response = await gateway.Client().PostAsync("/api/v1/chat", RouteBodies.Bytes("""{"message":"hi","model":"llama3:latest","max_tokens":1000000000}"""));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(131072, Assert.Single(fake.RequestsTo("/api/chat")).Json.GetProperty("options").GetProperty("num_predict").GetInt32());
    }

    [Fact]
    public async Task SutazBatch_MoreThanCeilingRequests_Returns400WithoutUpstreamCall()
    {
        await using var fake = await FakeOllama.StartAsync(RouteBodies.Model);
        await using var gateway = GatewayFactory.For(fake);
        var items = string.Join(',', Enumerable.Repeat("""{"message":"hi","model":"llama3:latest"}""", 33));

        var response = await gateway.Client().PostAsync("/api/v1/chat/batch", RouteBodies.Bytes($$"""{"requests":[{{items}}]}"""));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        ErrorBodies.AssertSutaz(await response.Content.ReadAsStringAsync(), "VALIDATION_ERROR", "requests");
        ErrorBodies.AssertNoGeneration(fake);
    }

    [Fact]
    public async Task Embed_MoreInputsThanCeiling_Returns400()
    {
        await using var fake = await FakeOllama.StartAsync(RouteBodies.Model);
        await using var gateway = GatewayFactory.For(fake);
        var node = RouteBodies.Node("/api/embed");
        node["input"] = new JsonArray([.. Enumerable.Repeat(0, 2049).Select(_ => (JsonNode)"x")]);

        var response = await gateway.Client().PostAsync("/api/embed", RouteBodies.Bytes(node.ToJsonString()));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("input", ErrorBodies.AssertOllama(await response.Content.ReadAsStringAsync()), StringComparison.Ordinal);
        ErrorBodies.AssertNoGeneration(fake);
    }
}
