using System.Text.Json;
using SutazAi.Gateway.Protocol.Ollama;
using SutazAi.Gateway.Upstreams;

namespace SutazAi.Gateway.Caching;

/// <summary>
/// The non-streamed upstream calls every surface shares, through the response cache: a hit answers without any
/// upstream call; a miss calls the pool and stores the upstream's answer when the request is cacheable. A chat for
/// an "agent:" model runs that agent instead.
/// </summary>
internal sealed class CachedUpstream(UpstreamPool pool, ResponseCache cache, Agents.AgentChat agents)
{
    /// <summary>A finished chat: the upstream's own bytes (for the Ollama surface) and the parsed answer.</summary>
    public async Task<(byte[] Raw, OllamaChatResponse Answer, bool Cached)> ChatAsync(OllamaChatRequest request, CancellationToken cancellationToken)
    {
        if (Agents.AgentChat.IsAgentModel(request.Model, out _))
        {
            // An agent model runs the agent (never cached: its tools may see a different world each time).
            var reply = await agents.CompleteAsync(request, cancellationToken).ConfigureAwait(false);
            return (JsonSerializer.SerializeToUtf8Bytes(reply, OllamaJsonContext.Default.OllamaChatResponse), reply, false);
        }

        var key = cache.ChatKey(request);
        if (await cache.GetAsync(key, cancellationToken).ConfigureAwait(false) is { } hit)
        {
            return (hit, JsonSerializer.Deserialize(hit, OllamaJsonContext.Default.OllamaChatResponse)!, true);
        }

        request.Stream = false;
        var body = JsonSerializer.SerializeToUtf8Bytes(request, OllamaJsonContext.Default.OllamaChatRequest);
        await using var lease = await pool.SendAsync(UpstreamRequest.Post("api/chat", request.Model, body, streaming: false), cancellationToken).ConfigureAwait(false);
        await lease.ThrowIfRejectedAsync(request.Model).ConfigureAwait(false);
        var raw = await lease.ReadBytesAsync().ConfigureAwait(false);
        var answer = lease.ParseLine(raw);
        if (ResponseCache.Cacheable(answer))
        {
            await cache.SetAsync(key, raw, cancellationToken).ConfigureAwait(false);
        }

        return (raw, answer, false);
    }

    public static OllamaChatResponse Parse(byte[] raw) => JsonSerializer.Deserialize(raw, OllamaJsonContext.Default.OllamaChatResponse)!;
}
