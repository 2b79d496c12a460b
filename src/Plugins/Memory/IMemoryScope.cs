namespace SutazAi.Plugins.Memory;

/// <summary>
/// One caller's memory for one agent. The host binds the owner and agent when it builds the tools for a run, so
/// nothing the model writes can reach another caller's memories: the tools have no owner argument at all.
/// </summary>
public interface IMemoryScope
{
    /// <summary>The stored memories closest in meaning to <paramref name="query"/>, best first.</summary>
    Task<IReadOnlyList<MemoryItem>> SearchAsync(string query, int limit, CancellationToken cancellationToken);

    /// <summary>Stores a memory and returns its id.</summary>
    Task<string> SaveAsync(string text, CancellationToken cancellationToken);
}

/// <summary>A recalled memory and how close it is to the query (cosine similarity, 1 is identical).</summary>
public sealed record MemoryItem(string Id, string Text, double Score, string? SavedAt);
