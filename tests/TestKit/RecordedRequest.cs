using System.Text.Json;

namespace SutazAi.TestKit;

/// <summary>One request FakeOllama received.</summary>
public sealed class RecordedRequest
{
    private readonly TaskCompletionSource _aborted = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource _finished = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public required string Method { get; init; }

    public required string Path { get; init; }

    public required string Body { get; init; }

    public required IReadOnlyDictionary<string, string> Headers { get; init; }

    public JsonElement Json => JsonDocument.Parse(Body).RootElement;

    public string? Model => Body.Length > 0 && Json.ValueKind == JsonValueKind.Object && Json.TryGetProperty("model", out var m) ? m.GetString() : null;

    /// <summary>Completes when the gateway aborted this request (RequestAborted fired).</summary>
    public Task Aborted => _aborted.Task;

    /// <summary>Completes when FakeOllama is done with the request, aborted or not.</summary>
    public Task Finished => _finished.Task;

    public bool WasAborted => _aborted.Task.IsCompleted;

    internal void MarkAborted() => _aborted.TrySetResult();

    internal void MarkFinished() => _finished.TrySetResult();
}
