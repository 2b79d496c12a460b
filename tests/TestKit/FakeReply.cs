namespace SutazAi.TestKit;

/// <summary>What FakeOllama answers to one request. Build with the static helpers.</summary>
public sealed class FakeReply
{
    public int Status { get; init; } = 200;

    public string ContentType { get; init; } = "application/json; charset=utf-8";

    /// <summary>Lines (NDJSON) or one body; each is written and flushed separately.</summary>
    public IReadOnlyList<string> Chunks { get; init; } = [];

    /// <summary>Wait before sending response headers (model loading).</summary>
    public TimeSpan DelayBeforeHeaders { get; init; }

    /// <summary>Awaited before sending headers (a model that loads until the test says so).</summary>
    public Task? HeadersGate { get; init; }

    /// <summary>Wait between chunks (token interval).</summary>
    public TimeSpan ChunkInterval { get; init; }

    /// <summary>Abort the connection (HttpContext.Abort) after this many chunks.</summary>
    public int? AbortAfterChunks { get; init; }

    /// <summary>Awaited before the abort, so a test can first see the earlier chunks arrive (a reset can drop unread data).</summary>
    public Task? AbortGate { get; init; }

    /// <summary>After the chunks, keep the response open until the client goes away.</summary>
    public bool HangAfterChunks { get; init; }

    public IReadOnlyDictionary<string, string> Headers { get; init; } = new Dictionary<string, string>();

    public static FakeReply Json(string body, int status = 200) => new() { Status = status, Chunks = [body] };

    public static FakeReply Error(int status, string message) => Json(System.Text.Json.JsonSerializer.Serialize(new { error = message }), status);

    public static FakeReply Ndjson(IEnumerable<string> lines, TimeSpan interval = default) => new()
    {
        ContentType = "application/x-ndjson",
        Chunks = [.. lines.Select(l => l + "\n")],
        ChunkInterval = interval,
    };
}
