using System.ComponentModel.DataAnnotations;

namespace SutazAi.Gateway.Hosting;

/// <summary>
/// Vector memory. <c>Qdrant:Url</c> set: points live in that Qdrant (REST API); unset: in the gateway's own database,
/// searched exactly. Embeddings come from the upstream pool's <c>/api/embed</c> with <see cref="EmbeddingModel"/>.
/// </summary>
internal sealed class VectorOptions
{
    public const string Section = "Vectors";

    public string EmbeddingModel { get; set; } = "nomic-embed-text";

    /// <summary>Texts per /api/embed call when embedding many chunks.</summary>
    [Range(1, 1024)]
    public int EmbeddingBatchSize { get; set; } = 64;

    /// <summary>Characters per document chunk, and how many of them the next chunk repeats.</summary>
    [Range(100, 100_000)]
    public int ChunkSize { get; set; } = 1000;

    [Range(0, 50_000)]
    public int ChunkOverlap { get; set; } = 200;

    /// <summary>Memories recalled into an agent's prompt when its persistent memory is on.</summary>
    [Range(1, 50)]
    public int MemoryRecall { get; set; } = 4;
}
