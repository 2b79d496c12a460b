using System.Text.Json;

namespace SutazAi.TestKit;

/// <summary>One request <see cref="FakeQdrant"/> received, recorded before any validation or answer.</summary>
public sealed class QdrantRecordedRequest
{
    public required string Method { get; init; }

    /// <summary>The request path, e.g. /collections/memories/points/query.</summary>
    public required string Path { get; init; }

    /// <summary>The raw query string including the leading '?', or "" when there is none.</summary>
    public required string Query { get; init; }

    /// <summary>The raw request body ("" when there was none).</summary>
    public required string Body { get; init; }

    /// <summary>The body parsed as JSON (throws when the body is not JSON).</summary>
    public JsonElement Json => JsonDocument.Parse(Body).RootElement;

    public override string ToString() => $"{Method} {Path}{Query} {Body}";
}
