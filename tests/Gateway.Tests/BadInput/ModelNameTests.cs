using System.Net;
using SutazAi.Gateway.Tests.Infrastructure;
using SutazAi.TestKit;

namespace SutazAi.Gateway.Tests.BadInput;

/// <summary>
/// IN-06: path-like, registry-host, digest, oversized and CR/LF model names are a 400 before any upstream call;
/// an unknown but well-formed name is a 404 that does not list the models the gateway knows.
/// </summary>
public sealed class ModelNameTests
{
    private static readonly Dictionary<string, string> s_abusive = new(StringComparer.Ordinal)
    {
        ["dot-dot"] = "../../x",
        ["registry-host"] = "127.0.0.1:6379/evil/x",
        ["digest"] = "x@sha256:abc",
        ["ten-kb"] = new string('a', 10 * 1024),
        ["crlf"] = "llama3\r\nX-Injected: 1",
        ["percent-crlf"] = "llama3%0d%0aX-Injected:1",
        ["absolute-path"] = "/etc/passwd",
        ["empty-tag"] = "llama3:",
        ["space"] = "llama3 latest",
    };

    public static TheoryData<string, string> AbusiveCases()
    {
        var data = new TheoryData<string, string>();
        foreach (var route in RouteBodies.Routes)
        {
            foreach (var key in s_abusive.Keys)
            {
                data.Add(route, key);
            }
        }

        return data;
    }

    public static TheoryData<string> Routes() => [.. RouteBodies.Routes];

    [Theory]
    [MemberData(nameof(AbusiveCases))]
    public async Task Post_AbusiveModelName_Returns400BeforeAnyUpstreamCall(string route, string nameKey)
    {
        await using var fake = await FakeOllama.StartAsync(RouteBodies.Model);
        await using var gateway = GatewayFactory.For(fake);

        var response = await gateway.Client().PostAsync(route, RouteBodies.Bytes(RouteBodies.Json(route, s_abusive[nameKey])));

        await ErrorBodies.AssertRejectedAsync(response, route, HttpStatusCode.BadRequest, "invalid_value", "model");
        ErrorBodies.AssertNoGeneration(fake);
        Assert.DoesNotContain(fake.Requests, r => r.Path == "/api/show" || r.Body.Contains("X-Injected", StringComparison.Ordinal));
    }

    [Theory]
    [MemberData(nameof(Routes))]
    public async Task Post_UnknownModel_Returns404WithoutListingKnownModels(string route)
    {
        await using var fake = await FakeOllama.StartAsync("llama3:latest", "secret-finetune:latest");
        await using var gateway = GatewayFactory.For(fake);

        var response = await gateway.Client().PostAsync(route, RouteBodies.Bytes(RouteBodies.Json(route, "nope:latest")));

        var body = await response.Content.ReadAsStringAsync();
        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.DoesNotContain("llama3", body, StringComparison.Ordinal);
        Assert.DoesNotContain("secret-finetune", body, StringComparison.Ordinal);
        if (route.StartsWith("/v1/", StringComparison.Ordinal))
        {
            var error = ErrorBodies.AssertOpenAi(body, "invalid_request_error", "model_not_found", "model");
            Assert.Equal("model 'nope:latest' not found", error.GetProperty("message").GetString());
        }
        else if (route.StartsWith("/api/v1/", StringComparison.Ordinal))
        {
            var error = ErrorBodies.AssertSutaz(body, "MODEL_NOT_FOUND");
            Assert.Equal("model 'nope:latest' not found", error.GetProperty("message").GetString());
        }
        else
        {
            Assert.Equal("model 'nope:latest' not found", ErrorBodies.AssertOllama(body));
        }

        ErrorBodies.AssertNoGeneration(fake);
    }

    [Theory]
    [InlineData("127.0.0.1:6379/evil/x/info")]
    [InlineData("x@sha256:abc/info")]
    [InlineData("llama3%0d%0aX:1/info")]
    public async Task SutazModelInfo_AbusiveNameInPath_Returns400WithoutShowCall(string path)
    {
        await using var fake = await FakeOllama.StartAsync(RouteBodies.Model);
        await using var gateway = GatewayFactory.For(fake);

        var response = await gateway.Client().GetAsync("/api/v1/models/" + path);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        ErrorBodies.AssertSutaz(await response.Content.ReadAsStringAsync(), "VALIDATION_ERROR", "model");
        Assert.Empty(fake.RequestsTo("/api/show"));
    }

    [Fact]
    public async Task SutazModelDelete_RegistryHostName_Returns400WithoutDeleteCall()
    {
        await using var fake = await FakeOllama.StartAsync(RouteBodies.Model);
        await using var gateway = GatewayFactory.For(fake);

        var response = await gateway.Client().DeleteAsync("/api/v1/models/127.0.0.1:6379/evil/x");

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        ErrorBodies.AssertSutaz(await response.Content.ReadAsStringAsync(), "VALIDATION_ERROR", "model");
        Assert.Empty(fake.RequestsTo("/api/delete"));
    }

    [Theory]
    [InlineData("/api/show", """{"model":"../../x"}""")]
    [InlineData("/api/pull", """{"model":"127.0.0.1:6379/evil/x"}""")]
    [InlineData("/api/copy", """{"source":"llama3:latest","destination":"../../x"}""")]
    [InlineData("/api/push", """{"model":"x@sha256:abc"}""")]
    public async Task OllamaModelCommands_AbusiveName_Returns400WithoutUpstreamCall(string route, string body)
    {
        await using var fake = await FakeOllama.StartAsync(RouteBodies.Model);
        await using var gateway = GatewayFactory.For(fake);

        var response = await gateway.Client().PostAsync(route, RouteBodies.Bytes(body));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        ErrorBodies.AssertOllama(await response.Content.ReadAsStringAsync());
        Assert.Empty(fake.RequestsTo(route));
    }
}
