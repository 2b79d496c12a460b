using System.Text.Json;
using Microsoft.Extensions.Options;
using SutazAi.Gateway.Caching;
using SutazAi.Gateway.Endpoints.Admin;
using SutazAi.Gateway.Endpoints.Ollama;
using SutazAi.Gateway.Errors;
using SutazAi.Gateway.Hosting;
using SutazAi.Gateway.Observability;
using SutazAi.Gateway.Protocol.Sutaz;

namespace SutazAi.Gateway.Tasks;

/// <summary>chat_batch: payload as POST /api/v1/chat/batch ({requests:[...]}); result {results, succeeded, failed}.</summary>
internal class ChatBatchTaskHandler(CachedUpstream upstream, OllamaRequestRules rules, IOptions<GatewayOptions> gateway,
    IOptions<LimitsOptions> limits, GatewayMetrics metrics) : ITaskHandler
{
    public virtual string TaskType => "chat_batch";

    public void Validate(JsonElement payload)
    {
        var requests = Requests(payload);
        for (var i = 0; i < requests.Count; i++)
        {
            SutazChat.ToOllama(requests[i] ?? throw GatewayException.Invalid("requests must not contain null", $"payload.requests[{i}]"),
                gateway.Value, rules, stream: false, $"payload.requests[{i}].");
        }
    }

    public async Task<string> RunAsync(TaskExecution execution, CancellationToken cancellationToken)
    {
        var reply = await SutazChat.BatchAsync(Requests(execution.Payload), upstream, rules, gateway.Value, metrics, cancellationToken).ConfigureAwait(false);
        return JsonSerializer.Serialize(reply, SutazJsonContext.Default.SutazBatchReply);
    }

    /// <summary>A hook for variants of the batch (cache warming makes every request deterministic).</summary>
    protected virtual void Prepare(SutazChatRequest request)
    {
        // The plain batch sends every request as the client wrote it.
    }

    private List<SutazChatRequest> Requests(JsonElement payload)
    {
        var requests = TaskPayload.Read(payload, SutazJsonContext.Default.SutazBatchRequest).Requests;
        if (requests is not { Count: > 0 })
        {
            throw GatewayException.Invalid("payload.requests must be a non-empty array", "payload.requests");
        }

        if (requests.Count > limits.Value.MaxBatchRequests)
        {
            throw GatewayException.Invalid($"payload.requests has more than {limits.Value.MaxBatchRequests} entries", "payload.requests");
        }

        foreach (var request in requests)
        {
            if (request is not null)
            {
                Prepare(request);
            }
        }

        return requests;
    }
}
