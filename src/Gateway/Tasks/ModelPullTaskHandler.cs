using System.Text;
using System.Text.Json;
using SutazAi.Gateway.Protocol.Ollama;
using SutazAi.Gateway.Protocol.Sutaz;
using SutazAi.Gateway.Upstreams;

namespace SutazAi.Gateway.Tasks;

/// <summary>model_pull: payload {model}; each of Ollama's progress lines becomes a progress event; result {model, status}.</summary>
internal sealed class ModelPullTaskHandler(UpstreamPool pool) : ITaskHandler
{
    public string TaskType => "model_pull";

    public bool AdminOnly => true;

    public void Validate(JsonElement payload) => ModelName.Validate(TaskPayload.Read(payload, SutazJsonContext.Default.SutazPullRequest).Model, "payload.model");

    public async Task<string> RunAsync(TaskExecution execution, CancellationToken cancellationToken)
    {
        var model = ModelName.Validate(TaskPayload.Read(execution.Payload, SutazJsonContext.Default.SutazPullRequest).Model, "payload.model");
        var body = JsonSerializer.SerializeToUtf8Bytes(new Dictionary<string, JsonElement>
        {
            ["model"] = JsonSerializer.SerializeToElement(model, OllamaJsonContext.Default.String),
            ["stream"] = JsonSerializer.SerializeToElement(true, OllamaJsonContext.Default.Boolean),
        }, OllamaJsonContext.Default.DictionaryStringJsonElement);
        await using var lease = await pool.SendAsync(new UpstreamRequest(HttpMethod.Post, "api/pull", null, body, Streaming: true), cancellationToken).ConfigureAwait(false);
        await lease.ThrowIfRejectedAsync(model: null).ConfigureAwait(false);
        await lease.RelayAsync((line, _) => new ValueTask(execution.ReportAsync("progress", Encoding.UTF8.GetString(line.Span))), untilDone: false).ConfigureAwait(false);
        await pool.RefreshCatalogsAsync(cancellationToken).ConfigureAwait(false);
        return JsonSerializer.Serialize(new Dictionary<string, string> { ["model"] = model, ["status"] = "success" }, TasksJsonContext.Default.DictionaryStringString);
    }
}
