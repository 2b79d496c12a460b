using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using SutazAi.Gateway.Caching;
using SutazAi.Gateway.Documents;
using SutazAi.Gateway.Storage.Documents;
using SutazAi.Gateway.Vectors;

namespace SutazAi.Gateway.Hosting;

internal static class VectorHostingExtensions
{
    /// <summary>
    /// The vector store (Qdrant when <c>Qdrant:Url</c> is set, the embedded one otherwise), the pool's embedding
    /// generator, vector memory and the document library.
    /// </summary>
    public static IHostApplicationBuilder AddVectorMemory(this IHostApplicationBuilder builder)
    {
        var services = builder.Services;
        services.AddOptions<VectorOptions>().BindConfiguration(VectorOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddOptions<QdrantOptions>().BindConfiguration(QdrantOptions.Section)
            .Validate(o => o.Url is null || (o.Url.IsAbsoluteUri && o.Url.Scheme is "http" or "https"), "Qdrant:Url must be an absolute http(s) URL")
            .ValidateOnStart();
        services.TryAddSingleton<IVectorStore>(sp => sp.GetRequiredService<IOptions<QdrantOptions>>().Value is { Url: not null } qdrant
            ? new QdrantVectorStore(qdrant)
            : ActivatorUtilities.CreateInstance<EmbeddedVectorStore>(sp));
        services.TryAddSingleton<IEmbeddingGenerator<string, Embedding<float>>>(sp =>
        {
            var options = sp.GetRequiredService<IOptions<VectorOptions>>().Value;
            return new PoolEmbeddingGenerator(sp.GetRequiredService<CachedEmbeddings>(), options.EmbeddingModel, options.EmbeddingBatchSize);
        });
        services.TryAddSingleton<VectorMemory>();
        services.TryAddSingleton<DocumentStore>();
        services.TryAddSingleton<DocumentLibrary>();
        return builder;
    }
}
