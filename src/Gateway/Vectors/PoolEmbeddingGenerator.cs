using Microsoft.Extensions.AI;
using SutazAi.Gateway.Caching;
using SutazAi.Gateway.Protocol;
using SutazAi.Gateway.Protocol.Ollama;

namespace SutazAi.Gateway.Vectors;

/// <summary>
/// Embeddings through the upstream pool's <c>/api/embed</c> (with its failover and breakers) and the response
/// cache, in batches. The model is the generator's unless the options name another.
/// </summary>
internal sealed class PoolEmbeddingGenerator(CachedEmbeddings upstream, string model, int batchSize) : IEmbeddingGenerator<string, Embedding<float>>
{
    private readonly EmbeddingGeneratorMetadata _metadata = new("ollama-pool", defaultModelId: model);

    public string Model => model;

    public async Task<GeneratedEmbeddings<Embedding<float>>> GenerateAsync(IEnumerable<string> values, EmbeddingGenerationOptions? options = null,
        CancellationToken cancellationToken = default)
    {
        var texts = values.ToList();
        var modelId = options?.ModelId ?? model;
        var embeddings = new GeneratedEmbeddings<Embedding<float>>(texts.Count) { Usage = new UsageDetails { InputTokenCount = 0 } };
        foreach (var batch in texts.Chunk(batchSize))
        {
            var request = new OllamaEmbedRequest { Model = modelId, Input = new StringOrStrings { Values = [.. batch] }, Dimensions = options?.Dimensions };
            var (_, answer, _) = await upstream.EmbedAsync(request, cancellationToken).ConfigureAwait(false);
            if (answer.Embeddings!.Length != batch.Length)
            {
                throw new Errors.GatewayException(Errors.ErrorKind.UpstreamError,
                    $"the embedding model answered {answer.Embeddings.Length} vectors for {batch.Length} texts");
            }

            embeddings.AddRange(answer.Embeddings.Select(v => new Embedding<float>(v) { ModelId = answer.Model ?? modelId }));
            embeddings.Usage!.InputTokenCount += answer.PromptEvalCount ?? 0;
        }

        return embeddings;
    }

    public object? GetService(Type serviceType, object? serviceKey = null) =>
        serviceKey is null && serviceType == typeof(EmbeddingGeneratorMetadata) ? _metadata
        : serviceKey is null && serviceType.IsInstanceOfType(this) ? this
        : null;

    public void Dispose()
    {
        // The pool and cache belong to the host.
    }
}
