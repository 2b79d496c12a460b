namespace SutazAi.Plugins.Documents;

/// <summary>The documents the calling user stored, as the host exposes them to <see cref="DocumentAnalyzer"/>.</summary>
public interface IDocumentSource
{
    Task<IReadOnlyList<DocumentInfo>> ListAsync(int limit, CancellationToken cancellationToken);

    /// <summary>The document's extracted text; null when the caller has no document with that id.</summary>
    Task<DocumentText?> GetAsync(string id, CancellationToken cancellationToken);

    /// <summary>The passages closest in meaning to the query, in one document or in all of them.</summary>
    Task<IReadOnlyList<DocumentPassage>> SearchAsync(string query, string? documentId, int limit, CancellationToken cancellationToken);
}

public sealed record DocumentInfo(string Id, string Title, string ContentType, int Characters, int Chunks, string CreatedAt);

public sealed record DocumentText(DocumentInfo Info, string Text);

public sealed record DocumentPassage(string DocumentId, string Title, int ChunkIndex, string Text, double Score);
