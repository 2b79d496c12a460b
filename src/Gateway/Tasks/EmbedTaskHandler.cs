using System.Text.Json;
using SutazAi.Gateway.Caching;
using SutazAi.Gateway.Endpoints.Ollama;
using SutazAi.Gateway.Observability;
using SutazAi.Gateway.Protocol.Ollama;

namespace SutazAi.Gateway.Tasks;

/// <summary>embed: payload as Ollama's /api/embed ({model, input}); result is Ollama's answer ({model, embeddings, ...}).</summary>
internal sealed class EmbedTaskHandler(CachedEmbeddings upstream, OllamaRequestRules rules, GatewayMetrics metrics) : ITaskHandler
{
    public string TaskType => "embed";

    public void Validate(JsonElement payload) => rules.Apply(TaskPayload.Read(payload, OllamaJsonContext.Default.OllamaEmbedRequest));

    public async Task<string> RunAsync(TaskExecution execution, CancellationToken cancellationToken)
    {
        var request = TaskPayload.Read(execution.Payload, OllamaJsonContext.Default.OllamaEmbedRequest);
        rules.Apply(request);
        var (raw, answer, hit) = await upstream.EmbedAsync(request, cancellationToken).ConfigureAwait(false);
        if (!hit)
        {
            metrics.Tokens(request.Model!, answer.PromptEvalCount, 0);
        }

        return System.Text.Encoding.UTF8.GetString(raw);
    }
}
