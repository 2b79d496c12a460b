using System.Text.Json;
using SutazAi.Gateway.Protocol.Ollama;
using SutazAi.Gateway.Upstreams;

namespace SutazAi.Gateway.Caching;

/// <summary>
/// Embeddings through the response cache and the upstream pool, for every surface (Ollama /api/embed, OpenAI
/// /v1/embeddings, embed tasks) and for vector memory. Apart from <see cref="CachedUpstream"/>, which also routes
/// agent models, so that vector memory (used by agents' tools) does not depend on agents.
/// </summary>
internal sealed class CachedEmbeddings(UpstreamPool pool, ResponseCache cache)
{
    public async Task<(byte[] Raw, OllamaEmbedResponse Answer, bool Cached)> EmbedAsync(OllamaEmbedRequest request, CancellationToken cancellationToken)
    {
        var key = cache.EmbedKey(request);
        if (await cache.GetAsync(key, cancellationToken).ConfigureAwait(false) is { } hit)
        {
            return (hit, JsonSerializer.Deserialize(hit, OllamaJsonContext.Default.OllamaEmbedResponse)!, true);
        }

        var body = JsonSerializer.SerializeToUtf8Bytes(request, OllamaJsonContext.Default.OllamaEmbedRequest);
        await using var lease = await pool.SendAsync(UpstreamRequest.Post("api/embed", request.Model, body, streaming: false), cancellationToken).ConfigureAwait(false);
        await lease.ThrowIfRejectedAsync(request.Model).ConfigureAwait(false);
        var raw = await lease.ReadBytesAsync().ConfigureAwait(false);
        OllamaEmbedResponse? answer;
        try
        {
            answer = JsonSerializer.Deserialize(raw, OllamaJsonContext.Default.OllamaEmbedResponse);
        }
        catch (JsonException)
        {
            answer = null;
        }

        if (answer?.Embeddings is null)
        {
            var error = new Errors.GatewayException(Errors.ErrorKind.UpstreamError, "the upstream model server sent an invalid response");
            lease.Fail(error);
            throw error;
        }

        await cache.SetAsync(key, raw, cancellationToken).ConfigureAwait(false);
        return (raw, answer, false);
    }
}
