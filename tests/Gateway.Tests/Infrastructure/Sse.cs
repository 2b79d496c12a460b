using System.Text.Json;

namespace SutazAi.Gateway.Tests.Infrastructure;

/// <summary>Splits an SSE body into its data payloads, as the OpenAI Python SDK does.</summary>
public static class Sse
{
    public static IReadOnlyList<string> DataEvents(string body) =>
        [.. body.Split("\n\n", StringSplitOptions.RemoveEmptyEntries)
            .Where(e => e.StartsWith("data: ", StringComparison.Ordinal))
            .Select(e => e["data: ".Length..])];

    public static IReadOnlyList<JsonElement> JsonEvents(string body) =>
        [.. DataEvents(body).Where(d => d != "[DONE]").Select(d => JsonDocument.Parse(d).RootElement)];

    public static IReadOnlyList<JsonElement> NdjsonLines(string body) =>
        [.. body.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonDocument.Parse(l).RootElement)];
}
