using System.Net;
using System.Text.Json;
using SutazAi.Gateway.Tests.Infrastructure;

namespace SutazAi.Gateway.Tests.Hardening;

/// <summary>
/// The checks RELIABILITY.md runs after every case: the process still serves /health/live on a fresh connection, and
/// an error body has its surface's shape with nothing internal in it (non-throwing variants for bulk sweeps).
/// </summary>
internal static class HardeningChecks
{
    private static readonly string[] s_leaks = ["Exception", "   at ", "System.", "127.0.0.1"];

    /// <summary>GET /health/live on a new client (so a new connection) answers 200 within five seconds.</summary>
    public static async Task AssertLiveAsync(GatewayFactory gateway)
    {
        var response = await gateway.Client(TimeSpan.FromSeconds(5)).GetAsync("/health/live");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    /// <summary>The leaked internals found in a body, if any.</summary>
    public static string? Leak(string body)
    {
        var found = s_leaks.Where(l => body.Contains(l, StringComparison.Ordinal)).ToList();
        return found.Count == 0 ? null : "leaks " + string.Join(", ", found.Select(f => $"'{f}'"));
    }

    /// <summary>
    /// Null when <paramref name="body"/> is a well-formed error of the route's surface: OpenAI envelope on /v1, SutazAI
    /// envelope on /api/v1, exactly {"error":"..."} on /api. Any code is accepted; shape, JSON content type and no leaks are not negotiable.
    /// </summary>
    public static string? ErrorShapeProblem(string route, string? mediaType, string body)
    {
        if (Leak(body) is { } leak)
        {
            return leak;
        }

        if (mediaType != "application/json")
        {
            return $"content type {mediaType ?? "(none)"}";
        }

        try
        {
            using var document = JsonDocument.Parse(body);
            var root = document.RootElement;
            if (route.StartsWith("/v1/", StringComparison.Ordinal))
            {
                var error = root.GetProperty("error");
                return NonEmptyString(error, "message") && NonEmptyString(error, "type") && NonEmptyString(error, "code") && error.TryGetProperty("param", out _)
                    ? null
                    : "not an OpenAI error envelope";
            }

            if (route.StartsWith("/api/v1/", StringComparison.Ordinal))
            {
                return root.GetProperty("success").ValueKind == JsonValueKind.False
                    && root.GetProperty("data").ValueKind == JsonValueKind.Null
                    && NonEmptyString(root.GetProperty("error"), "code")
                    && NonEmptyString(root.GetProperty("error"), "message")
                    && NonEmptyString(root.GetProperty("metadata"), "request_id")
                    ? null
                    : "not a SutazAI error envelope";
            }

            var properties = root.EnumerateObject().ToList();
            return properties is [{ Name: "error", Value.ValueKind: JsonValueKind.String } only] && !string.IsNullOrWhiteSpace(only.Value.GetString())
                ? null
                : "not an Ollama {\"error\"} body";
        }
        catch (Exception e) when (e is JsonException or KeyNotFoundException or InvalidOperationException)
        {
            return "error body is not the surface's JSON shape";
        }
    }

    private static bool NonEmptyString(JsonElement element, string name) =>
        element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String && !string.IsNullOrWhiteSpace(value.GetString());
}
