using System.Text.Json;

namespace SutazAi.Gateway.Tests.Infrastructure;

/// <summary>Splits an SSE body into its data payloads, as the OpenAI Python SDK does.</summary>
public static class Sse
{
    /// <summary>The data of every event (the gateway writes one data line per event; comments are skipped).</summary>
    public static IReadOnlyList<string> DataEvents(string body) =>
        [.. body.Split('\n')
            .Where(line => line.StartsWith("data: ", StringComparison.Ordinal))
            .Select(line => line["data: ".Length..])];

    public static IReadOnlyList<JsonElement> JsonEvents(string body) =>
        [.. DataEvents(body).Where(d => d != "[DONE]").Select(d => JsonDocument.Parse(d).RootElement)];

    public static IReadOnlyList<JsonElement> NdjsonLines(string body) =>
        [.. body.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonDocument.Parse(l).RootElement)];
}
