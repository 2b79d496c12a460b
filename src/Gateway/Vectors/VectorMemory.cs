using System.Globalization;
using System.Text.Json;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Options;
using SutazAi.Gateway.Errors;
using SutazAi.Gateway.Hosting;

namespace SutazAi.Gateway.Vectors;

/// <summary>
/// Text in, text out over the vector store: embeds with the configured model and keeps the gateway's own collections
/// (agent memories, document chunks), created on first use with the embedding's dimension. Every memory carries its
/// owner and agent in the payload and every recall filters on both, so one caller never reads another's memories.
/// </summary>
internal sealed class VectorMemory(IVectorStore store, IEmbeddingGenerator<string, Embedding<float>> embeddings, IOptions<VectorOptions> options,
    TimeProvider time)
{
    public const string MemoryCollection = "sutazai_memory";
    public const string DocumentCollection = "sutazai_documents";

    public IVectorStore Store => store;

    public string EmbeddingModel => options.Value.EmbeddingModel;

    /// <summary>Whether a collection name is one of the gateway's own (the /vectors API leaves those alone).</summary>
    public static bool IsReserved(string name) => name.StartsWith("sutazai_", StringComparison.Ordinal);

    public async Task<IReadOnlyList<float[]>> EmbedAsync(IReadOnlyList<string> texts, CancellationToken cancellationToken)
    {
        if (texts.Count == 0)
        {
            return [];
        }

        var generated = await embeddings.GenerateAsync(texts, cancellationToken: cancellationToken).ConfigureAwait(false);
        return [.. generated.Select(e => e.Vector.ToArray())];
    }

    /// <summary>Creates the collection with this dimension if it is missing; an existing one must have that dimension.</summary>
    public async Task EnsureCollectionAsync(string name, int dimension, CancellationToken cancellationToken)
    {
        var existing = await store.GetCollectionAsync(name, cancellationToken).ConfigureAwait(false);
        if (existing is null && await store.CreateCollectionAsync(name, dimension, VectorDistance.Cosine, cancellationToken).ConfigureAwait(false))
        {
            return;
        }

        existing ??= await store.GetCollectionAsync(name, cancellationToken).ConfigureAwait(false);
        if (existing is not null && existing.Dimension != dimension)
        {
            throw GatewayException.Invalid(string.Create(CultureInfo.InvariantCulture,
                $"collection '{name}' holds {existing.Dimension}-dimensional vectors but the embedding model '{EmbeddingModel}' gives {dimension}"));
        }
    }

    /// <summary>Stores one memory of <paramref name="owner"/>'s agent; returns its id.</summary>
    public async Task<string> RememberAsync(string owner, string agent, string text, CancellationToken cancellationToken)
    {
        var vector = (await EmbedAsync([text], cancellationToken).ConfigureAwait(false))[0];
        await EnsureCollectionAsync(MemoryCollection, vector.Length, cancellationToken).ConfigureAwait(false);
        var id = Guid.CreateVersion7().ToString();
        var payload = new Dictionary<string, JsonElement>(StringComparer.Ordinal)
        {
            ["owner"] = Json(owner),
            ["agent"] = Json(agent),
            ["kind"] = Json("memory"),
            ["text"] = Json(text),
            ["created_at"] = Json(time.GetUtcNow().ToString("O", CultureInfo.InvariantCulture)),
        };
        await store.UpsertAsync(MemoryCollection, [new VectorPoint(id, vector, payload)], cancellationToken).ConfigureAwait(false);
        return id;
    }

    /// <summary>The memories of <paramref name="owner"/>'s agent closest to the query, best first.</summary>
    public async Task<IReadOnlyList<VectorMatch>> RecallAsync(string owner, string agent, string query, int limit, CancellationToken cancellationToken)
    {
        if (await store.GetCollectionAsync(MemoryCollection, cancellationToken).ConfigureAwait(false) is null)
        {
            return [];
        }

        var vector = (await EmbedAsync([query], cancellationToken).ConfigureAwait(false))[0];
        return await store.SearchAsync(MemoryCollection, vector, limit, Scope(owner, agent), null, cancellationToken).ConfigureAwait(false);
    }

    public async Task<long> CountMemoriesAsync(string owner, string agent, CancellationToken cancellationToken) =>
        await store.GetCollectionAsync(MemoryCollection, cancellationToken).ConfigureAwait(false) is null
            ? 0
            : await store.CountAsync(MemoryCollection, Scope(owner, agent), cancellationToken).ConfigureAwait(false);

    public static VectorFilter Scope(string owner, string agent) => VectorFilter.Of(("owner", owner), ("agent", agent), ("kind", "memory"));

    public static JsonElement Json(string value) => JsonSerializer.SerializeToElement(value, VectorJson.Default.String);
}
