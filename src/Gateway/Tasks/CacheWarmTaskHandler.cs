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

/// <summary>
/// cache_warm: payload {requests:[{message, model, max_tokens}]}; each is answered at temperature 0 (deterministic,
/// so cacheable) through the cache, which stores what it did not have. Result: the batch summary.
/// </summary>
internal sealed class CacheWarmTaskHandler(CachedUpstream upstream, OllamaRequestRules rules, IOptions<GatewayOptions> gateway,
    IOptions<LimitsOptions> limits, GatewayMetrics metrics) : ITaskHandler
{
    public string TaskType => "cache_warm";

    public void Validate(JsonElement payload)
    {
        var requests = Requests(payload);
        for (var i = 0; i < requests.Count; i++)
        {
            SutazChat.ToOllama(requests[i], gateway.Value, rules, stream: false, $"payload.requests[{i}].");
        }
    }

    public async Task<string> RunAsync(TaskExecution execution, CancellationToken cancellationToken)
    {
        var reply = await SutazChat.BatchAsync(Requests(execution.Payload), upstream, rules, gateway.Value, metrics, cancellationToken).ConfigureAwait(false);
        return JsonSerializer.Serialize(reply, SutazJsonContext.Default.SutazBatchReply);
    }

    private List<SutazChatRequest> Requests(JsonElement payload)
    {
        var requests = TaskPayload.Read(payload, SutazJsonContext.Default.SutazBatchRequest).Requests;
        if (requests is not { Count: > 0 } || requests.Count > limits.Value.MaxBatchRequests)
        {
            throw GatewayException.Invalid($"payload.requests must have 1 to {limits.Value.MaxBatchRequests} entries", "payload.requests");
        }

        for (var i = 0; i < requests.Count; i++)
        {
            var request = requests[i] ?? throw GatewayException.Invalid("requests must not contain null", $"payload.requests[{i}]");
            request.Temperature = 0;
        }

        return requests;
    }
}
