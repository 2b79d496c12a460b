using System.Text.Json;

namespace SutazAi.Gateway.Tasks;

/// <summary>echo: the result is the payload. Checks the queue end to end without touching a model (smoke tests, benchmarks).</summary>
internal sealed class EchoTaskHandler : ITaskHandler
{
    public string TaskType => "echo";

    public void Validate(JsonElement payload)
    {
        // Any JSON object is a valid echo payload; TaskApi has already checked that it is an object.
    }

    public Task<string> RunAsync(TaskExecution execution, CancellationToken cancellationToken) => Task.FromResult(execution.Payload.GetRawText());
}
