using System.Globalization;
using SutazAi.Gateway.Documents;
using SutazAi.Gateway.Storage.Documents;
using SutazAi.Plugins.Documents;

namespace SutazAi.Gateway.Agents;

/// <summary>document_analyzer's view of the document library: the owner's documents only.</summary>
internal sealed class DocumentScope(DocumentLibrary library, ToolScope scope) : IDocumentSource
{
    public async Task<IReadOnlyList<DocumentInfo>> ListAsync(int limit, CancellationToken cancellationToken)
    {
        var (items, _) = await library.ListAsync(scope.Owner, 1, limit, cancellationToken).ConfigureAwait(false);
        return [.. items.Select(Info)];
    }

    public async Task<DocumentText?> GetAsync(string id, CancellationToken cancellationToken) =>
        await library.FindAsync(scope.Owner, id, cancellationToken).ConfigureAwait(false) is { } document ? new DocumentText(Info(document), document.Content) : null;

    public async Task<IReadOnlyList<DocumentPassage>> SearchAsync(string query, string? documentId, int limit, CancellationToken cancellationToken)
    {
        IReadOnlyList<DocumentLibrary.Passage> passages;
        try
        {
            passages = await library.SearchAsync(scope.Owner, query, limit, documentId is null ? null : [documentId], null, cancellationToken).ConfigureAwait(false);
        }
        catch (Errors.GatewayException e)
        {
            throw MemoryScope.Unavailable(e);
        }

        return [.. passages.Select(p => new DocumentPassage(p.DocumentId, p.Title, p.ChunkIndex, p.Text, Math.Round(p.Score, 4)))];
    }

    private static DocumentInfo Info(DocumentRecord d) =>
        new(d.Id, d.Title, d.ContentType, d.Characters, d.Chunks, d.CreatedAt.ToString("O", CultureInfo.InvariantCulture));
}
