using Microsoft.Extensions.Options;
using SutazAi.Gateway.Caching;
using SutazAi.Gateway.Endpoints.Ollama;
using SutazAi.Gateway.Hosting;
using SutazAi.Gateway.Observability;
using SutazAi.Gateway.Protocol.Sutaz;

namespace SutazAi.Gateway.Tasks;

/// <summary>
/// cache_warm: a chat batch ({requests:[{message, model, max_tokens}]}) answered at temperature 0, so every answer
/// is cacheable and goes through the cache, which stores what it did not have.
/// </summary>
internal sealed class CacheWarmTaskHandler(CachedUpstream upstream, OllamaRequestRules rules, IOptions<GatewayOptions> gateway,
    IOptions<LimitsOptions> limits, GatewayMetrics metrics) : ChatBatchTaskHandler(upstream, rules, gateway, limits, metrics)
{
    public override string TaskType => "cache_warm";

    protected override void Prepare(SutazChatRequest request) => request.Temperature = 0;
}
