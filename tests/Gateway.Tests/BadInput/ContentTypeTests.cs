using System.Net;
using SutazAi.Gateway.Tests.Infrastructure;
using SutazAi.TestKit;

namespace SutazAi.Gateway.Tests.BadInput;

/// <summary>IN-05: a body that is not declared as JSON is a 415 in the surface's shape; nothing is forwarded.</summary>
public sealed class ContentTypeTests
{
    public static TheoryData<string, string> Cases()
    {
        var data = new TheoryData<string, string>();
        foreach (var route in RouteBodies.Routes)
        {
            data.Add(route, "text/plain; charset=utf-8");
            data.Add(route, "multipart/form-data; boundary=x");
        }

        data.Add("/v1/chat/completions", "application/x-www-form-urlencoded");
        data.Add("/api/v1/chat", "application/xml");
        return data;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task Post_NonJsonContentType_Returns415InSurfaceShape(string route, string contentType)
    {
        await using var fake = await FakeOllama.StartAsync(RouteBodies.Model);
        await using var gateway = GatewayFactory.For(fake);

        var response = await gateway.Client().PostAsync(route, RouteBodies.Bytes(RouteBodies.Json(route), contentType));

        await ErrorBodies.AssertRejectedAsync(response, route, HttpStatusCode.UnsupportedMediaType, "unsupported_media_type");
        ErrorBodies.AssertNoGeneration(fake);
    }

    /// <summary>curl -d sends form-urlencoded; Ollama ignores the content type, so the /api surface accepts it too.</summary>
    [Theory]
    [InlineData("/api/chat")]
    [InlineData("/api/generate")]
    public async Task OllamaRoutes_CurlDefaultFormContentType_Accepted(string route)
    {
        await using var fake = await FakeOllama.StartAsync(RouteBodies.Model);
        await using var gateway = GatewayFactory.For(fake);

        var response = await gateway.Client().PostAsync(route, RouteBodies.Bytes(RouteBodies.Json(route), "application/x-www-form-urlencoded"));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Single(fake.RequestsTo(route));
    }

    [Theory]
    [InlineData("/v1/chat/completions", "application/json; charset=utf-8")]
    [InlineData("/v1/chat/completions", "application/vnd.api+json")]
    [InlineData("/api/v1/chat", "APPLICATION/JSON")]
    public async Task Post_JsonMediaTypeVariants_Accepted(string route, string contentType)
    {
        await using var fake = await FakeOllama.StartAsync(RouteBodies.Model);
        await using var gateway = GatewayFactory.For(fake);

        var response = await gateway.Client().PostAsync(route, RouteBodies.Bytes(RouteBodies.Json(route), contentType));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Single(fake.RequestsTo("/api/chat"));
    }
}
