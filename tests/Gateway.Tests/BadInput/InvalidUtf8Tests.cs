using System.Net;
using System.Text;
using SutazAi.Gateway.Tests.Infrastructure;
using SutazAi.TestKit;

namespace SutazAi.Gateway.Tests.BadInput;

/// <summary>
/// IN-04: invalid UTF-8 (C3 28, FF, overlong C0 AF) and escaped lone surrogates inside a JSON string are a 400 on
/// every route and are never forwarded; NUL and control characters are valid content and pass.
/// </summary>
public sealed class InvalidUtf8Tests
{
    public static TheoryData<string, string> Cases()
    {
        var data = new TheoryData<string, string>();
        foreach (var route in RouteBodies.Routes)
        {
            foreach (var bytes in new[] { "C328", "FF", "C0AF", @"\ud800", @"\udc00x" })
            {
                data.Add(route, bytes);
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task Post_InvalidUtf8OrLoneSurrogateInString_Returns400WithoutUpstreamCall(string route, string text)
    {
        await using var fake = await FakeOllama.StartAsync(RouteBodies.Model);
        await using var gateway = GatewayFactory.For(fake);
        var raw = text.StartsWith('\\') ? Encoding.ASCII.GetBytes(text) : Convert.FromHexString(text);

        var response = await gateway.Client().PostAsync(route, RouteBodies.Bytes(RouteBodies.WithRawText(route, [.. "a"u8, .. raw, .. "b"u8])));

        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.BadRequest, $"{route} {text}: {(int)response.StatusCode} {body}");
        ErrorBodies.AssertNoLeak(body);
        ErrorBodies.AssertNoGeneration(fake);
    }

    /// <summary>Fields the gateway keeps as raw JSON (format, options, tools, schemas) must be checked the same way.</summary>
    [Theory]
    [InlineData("/api/chat", "format", """{"type":"object","description":"\ud800"}""")]
    [InlineData("/api/generate", "format", """{"type":"object","description":"\ud800"}""")]
    [InlineData("/api/chat", "options", """{"stop":"\ud800"}""")]
    [InlineData("/api/chat", "tools", """[{"type":"function","function":{"name":"f","description":"\ud800"}}]""")]
    [InlineData("/v1/chat/completions", "tools", """[{"type":"function","function":{"name":"f","parameters":{"type":"object","description":"\ud800"}}}]""")]
    [InlineData("/v1/chat/completions", "response_format", """{"type":"json_schema","json_schema":{"name":"s","schema":{"type":"object","description":"\ud800"}}}""")]
    public async Task Post_LoneSurrogateInRawJsonField_Returns400WithoutUpstreamCall(string route, string field, string value)
    {
        await using var fake = await FakeOllama.StartAsync(RouteBodies.Model);
        await using var gateway = GatewayFactory.For(fake);
        var json = RouteBodies.Json(route);
        json = json[..^1] + $",\"{field}\":{value}}}";

        var response = await gateway.Client().PostAsync(route, RouteBodies.Bytes(json));

        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.BadRequest, $"{route} {field}: {(int)response.StatusCode} {body}");
        ErrorBodies.AssertNoLeak(body);
        ErrorBodies.AssertNoGeneration(fake);
    }

    [Theory]
    [InlineData("/v1/chat/completions")]
    [InlineData("/api/chat")]
    [InlineData("/api/v1/chat")]
    public async Task Post_NulAndControlCharactersInContent_AcceptedAndForwardedEscaped(string route)
    {
        await using var fake = await FakeOllama.StartAsync(RouteBodies.Model);
        await using var gateway = GatewayFactory.For(fake);

        var response = await gateway.Client().PostAsync(route, RouteBodies.Bytes(RouteBodies.Json(route, text: "a\u0000b\u0007c\u001bd")));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var sent = Assert.Single(fake.RequestsTo("/api/chat"));
        Assert.Equal("a\u0000b\u0007c\u001bd", sent.Json.GetProperty("messages")[0].GetProperty("content").GetString());
        Assert.DoesNotContain('\u0000', sent.Body);
    }
}
