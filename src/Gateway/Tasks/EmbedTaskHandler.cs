using System.Text.Json;
using SutazAi.Gateway.Endpoints.Ollama;
using SutazAi.Gateway.Observability;
using SutazAi.Gateway.Protocol.Ollama;
using SutazAi.Gateway.Upstreams;

namespace SutazAi.Gateway.Tasks;

/// <summary>embed: payload as Ollama's /api/embed ({model, input}); result is Ollama's answer ({model, embeddings, ...}).</summary>
internal sealed class EmbedTaskHandler(UpstreamPool pool, OllamaRequestRules rules, GatewayMetrics metrics) : ITaskHandler
{
    public string TaskType => "embed";

    public void Validate(JsonElement payload) => rules.Apply(TaskPayload.Read(payload, OllamaJsonContext.Default.OllamaEmbedRequest));

    public async Task<string> RunAsync(TaskExecution execution, CancellationToken cancellationToken)
    {
        var request = TaskPayload.Read(execution.Payload, OllamaJsonContext.Default.OllamaEmbedRequest);
        rules.Apply(request);
        var body = JsonSerializer.SerializeToUtf8Bytes(request, OllamaJsonContext.Default.OllamaEmbedRequest);
        await using var lease = await pool.SendAsync(UpstreamRequest.Post("api/embed", request.Model, body, streaming: false), cancellationToken).ConfigureAwait(false);
        await lease.ThrowIfRejectedAsync(request.Model).ConfigureAwait(false);
        var answer = await lease.ReadJsonAsync(OllamaJsonContext.Default.OllamaEmbedResponse).ConfigureAwait(false);
        metrics.Tokens(request.Model!, answer.PromptEvalCount, 0);
        return JsonSerializer.Serialize(answer, OllamaJsonContext.Default.OllamaEmbedResponse);
    }
}
