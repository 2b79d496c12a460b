using System.Net;
using System.Text.Json;

namespace SutazAi.Gateway.Tests.BadInput;

/// <summary>
/// Assertions on the three error shapes (RELIABILITY.md "Error body shapes"): OpenAI envelope on /v1, the SutazAI
/// envelope on /api/v1, Ollama's {"error"} on /api. Every body is also checked for leaked internals.
/// </summary>
internal static class ErrorBodies
{
    /// <summary>Upstream calls that would generate (or embed) with a model: bad input must never reach one.</summary>
    public static readonly string[] GenerationPaths = ["/api/chat", "/api/generate", "/api/embed", "/api/embeddings"];

    public static void AssertNoLeak(string body)
    {
        Assert.DoesNotContain("Exception", body, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", body, StringComparison.Ordinal);
        Assert.DoesNotContain("127.0.0.1", body, StringComparison.Ordinal);
        Assert.DoesNotContain("System.", body, StringComparison.Ordinal);
    }

    /// <summary>{"error":{"message","type","param","code"}}: all four keys present.</summary>
    public static JsonElement AssertOpenAi(string body, string type, string code, string? param = null)
    {
        AssertNoLeak(body);
        var error = JsonDocument.Parse(body).RootElement.GetProperty("error");
        Assert.False(string.IsNullOrWhiteSpace(error.GetProperty("message").GetString()));
        Assert.Equal(type, error.GetProperty("type").GetString());
        Assert.Equal(code, error.GetProperty("code").GetString());
        if (param is not null)
        {
            Assert.Equal(param, error.GetProperty("param").GetString());
        }
        else
        {
            Assert.True(error.TryGetProperty("param", out _), "param key must be present (null allowed)");
        }

        return error;
    }

    /// <summary>Exactly {"error":"..."}; returns the message.</summary>
    public static string AssertOllama(string body)
    {
        AssertNoLeak(body);
        var root = JsonDocument.Parse(body).RootElement;
        var only = Assert.Single(root.EnumerateObject());
        Assert.Equal("error", only.Name);
        Assert.Equal(JsonValueKind.String, only.Value.ValueKind);
        var message = only.Value.GetString()!;
        Assert.False(string.IsNullOrWhiteSpace(message));
        return message;
    }

    /// <summary>{"success":false,"data":null,"error":{"code","message",...},"metadata":{...}}; returns error.</summary>
    public static JsonElement AssertSutaz(string body, string code, string? field = null)
    {
        AssertNoLeak(body);
        var root = JsonDocument.Parse(body).RootElement;
        Assert.False(root.GetProperty("success").GetBoolean());
        Assert.Equal(JsonValueKind.Null, root.GetProperty("data").ValueKind);
        Assert.False(string.IsNullOrEmpty(root.GetProperty("metadata").GetProperty("request_id").GetString()));
        var error = root.GetProperty("error");
        Assert.Equal(code, error.GetProperty("code").GetString());
        Assert.False(string.IsNullOrWhiteSpace(error.GetProperty("message").GetString()));
        if (field is not null)
        {
            Assert.Equal(field, error.GetProperty("details").GetProperty("field").GetString());
        }

        return error;
    }

    /// <summary>A client-input failure in the shape of the route's surface.</summary>
    public static async Task AssertRejectedAsync(HttpResponseMessage response, string route, HttpStatusCode status, string openAiCode, string? param = null)
    {
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(status == response.StatusCode, $"{route}: expected {(int)status}, got {(int)response.StatusCode}: {body}");
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        if (route.StartsWith("/v1/", StringComparison.Ordinal))
        {
            AssertOpenAi(body, "invalid_request_error", openAiCode, param);
        }
        else if (route.StartsWith("/api/v1/", StringComparison.Ordinal))
        {
            AssertSutaz(body, "VALIDATION_ERROR", param);
        }
        else
        {
            AssertOllama(body);
        }
    }

    public static void AssertNoGeneration(TestKit.FakeOllama fake)
    {
        var forwarded = fake.Requests.Where(r => GenerationPaths.Contains(r.Path)).Select(r => r.Path + " " + r.Body).ToList();
        Assert.True(forwarded.Count == 0, "forwarded upstream: " + string.Join(" | ", forwarded));
    }
}
