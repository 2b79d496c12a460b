using System.Text.Json;
using SutazAi.Gateway.Tasks;

namespace SutazAi.Gateway.TestHost;

/// <summary>CR-05: a poison task that brings the whole process down (an abort, as a native crash would) on every attempt.</summary>
internal sealed class CrashTaskHandler : ITaskHandler
{
    public string TaskType => "crash";

    public void Validate(JsonElement payload)
    {
    }

    public Task<string> RunAsync(TaskExecution execution, CancellationToken cancellationToken)
    {
        Environment.FailFast($"poison task {execution.TaskId}, attempt {execution.Attempt}");
        return Task.FromResult("{}");
    }
}

/// <summary>CR-05: a poison task whose handler throws on every attempt.</summary>
internal sealed class ThrowTaskHandler : ITaskHandler
{
    public string TaskType => "throw";

    public void Validate(JsonElement payload)
    {
    }

    public Task<string> RunAsync(TaskExecution execution, CancellationToken cancellationToken) =>
        throw new InvalidOperationException($"poison task, attempt {execution.Attempt}");
}

/// <summary>
/// CR-02: an external side effect (a POST to <c>payload.url</c> carrying the task's idempotency key for step
/// "effect"), after which the process is killed on the attempt named by <c>payload.kill_on_attempt</c>, before the
/// result can be stored.
/// </summary>
internal sealed class SideEffectTaskHandler(IHttpClientFactory clients) : ITaskHandler
{
    public string TaskType => "side_effect";

    public void Validate(JsonElement payload)
    {
    }

    public async Task<string> RunAsync(TaskExecution execution, CancellationToken cancellationToken)
    {
        using var client = clients.CreateClient();
        using var request = new HttpRequestMessage(HttpMethod.Post, execution.Payload.GetProperty("url").GetString());
        request.Headers.Add("Idempotency-Key", execution.IdempotencyKey("effect"));
        using var response = await client.SendAsync(request, cancellationToken).ConfigureAwait(false);
        response.EnsureSuccessStatusCode();
        var receipt = await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false);
        if (execution.Payload.TryGetProperty("kill_on_attempt", out var kill) && kill.GetInt32() == execution.Attempt)
        {
            FaultHost.KillNow();
        }

        return $$"""{"receipt":"{{JsonEncodedText.Encode(receipt)}}"}""";
    }
}
