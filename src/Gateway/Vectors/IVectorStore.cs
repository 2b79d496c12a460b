namespace SutazAi.Gateway.Vectors;

/// <summary>
/// Collections of vectors with JSON payloads, searched by similarity with payload filters. Two implementations pass
/// the same contract tests: <see cref="QdrantVectorStore"/> (Qdrant's REST API) and <see cref="EmbeddedVectorStore"/>
/// (the gateway's own database, exact search), the default when no Qdrant is configured.
/// </summary>
internal interface IVectorStore
{
    /// <summary>"qdrant" or "embedded", shown in health and collection answers.</summary>
    string Backend { get; }

    Task<IReadOnlyList<VectorCollection>> ListCollectionsAsync(CancellationToken cancellationToken);

    Task<VectorCollection?> GetCollectionAsync(string name, CancellationToken cancellationToken);

    /// <summary>Creates the collection; false when one with that name exists already (whatever its shape).</summary>
    Task<bool> CreateCollectionAsync(string name, int dimension, VectorDistance distance, CancellationToken cancellationToken);

    /// <summary>False when there was no such collection.</summary>
    Task<bool> DeleteCollectionAsync(string name, CancellationToken cancellationToken);

    /// <summary>Inserts or replaces points by id. Every vector must have the collection's dimension.</summary>
    Task UpsertAsync(string name, IReadOnlyList<VectorPoint> points, CancellationToken cancellationToken);

    /// <summary>The <paramref name="limit"/> best matches for <paramref name="filter"/>, best first.</summary>
    Task<IReadOnlyList<VectorMatch>> SearchAsync(string name, ReadOnlyMemory<float> vector, int limit, VectorFilter filter, double? scoreThreshold,
        CancellationToken cancellationToken);

    /// <summary>Removes the points with these ids.</summary>
    Task DeleteAsync(string name, IReadOnlyList<string> ids, CancellationToken cancellationToken);

    /// <summary>Removes every point that matches the filter (an empty filter is refused: it would empty the collection).</summary>
    Task DeleteAsync(string name, VectorFilter filter, CancellationToken cancellationToken);

    Task<long> CountAsync(string name, VectorFilter filter, CancellationToken cancellationToken);
}
