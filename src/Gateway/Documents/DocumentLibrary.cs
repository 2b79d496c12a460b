using System.Globalization;
using System.Text.Json;
using Microsoft.Extensions.Options;
using SutazAi.Gateway.Errors;
using SutazAi.Gateway.Hosting;
using SutazAi.Gateway.Storage.Documents;
using SutazAi.Gateway.Vectors;

namespace SutazAi.Gateway.Documents;

/// <summary>
/// Ingests documents (extract the text, chunk with overlap, embed, store the chunks in the vector store with their
/// owner and document id) and retrieves passages from them. A failed ingest removes whatever it had written.
/// </summary>
internal sealed class DocumentLibrary(DocumentStore documents, VectorMemory memory, IOptions<VectorOptions> options, TimeProvider time)
{
    public const int MaxChunks = 5000;
    public const int MaxSearchDocuments = 20;

    public async Task<DocumentRecord> IngestAsync(string owner, string title, string contentType, string content, string? metadata,
        CancellationToken cancellationToken)
    {
        var text = TextExtractor.Extract(content, contentType);
        if (text.Length == 0)
        {
            throw GatewayException.Invalid("the document has no text", "content");
        }

        var chunks = TextChunker.Split(text, options.Value.ChunkSize, options.Value.ChunkOverlap);
        if (chunks.Count > MaxChunks)
        {
            throw new GatewayException(ErrorKind.PayloadTooLarge,
                string.Create(CultureInfo.InvariantCulture, $"the document makes {chunks.Count} chunks; at most {MaxChunks} are accepted"));
        }

        var vectors = await memory.EmbedAsync(chunks, cancellationToken).ConfigureAwait(false);
        await memory.EnsureCollectionAsync(VectorMemory.DocumentCollection, vectors[0].Length, cancellationToken).ConfigureAwait(false);
        var document = new DocumentRecord(Guid.CreateVersion7().ToString("N"), owner, title, contentType, text, text.Length, chunks.Count,
            memory.EmbeddingModel, "indexing", metadata, time.GetUtcNow());
        await documents.InsertAsync(document, cancellationToken).ConfigureAwait(false);
        try
        {
            var points = chunks.Select((chunk, i) => new VectorPoint(Guid.CreateVersion7().ToString(), vectors[i], new Dictionary<string, JsonElement>(StringComparer.Ordinal)
            {
                ["owner"] = VectorMemory.Json(owner),
                ["kind"] = VectorMemory.Json("document"),
                ["document_id"] = VectorMemory.Json(document.Id),
                ["title"] = VectorMemory.Json(title),
                ["chunk_index"] = JsonSerializer.SerializeToElement(i, DocumentJson.Default.Int32),
                ["text"] = VectorMemory.Json(chunk),
            })).ToList();
            await memory.Store.UpsertAsync(VectorMemory.DocumentCollection, points, cancellationToken).ConfigureAwait(false);
            await documents.MarkReadyAsync(document.Id, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is GatewayException or System.Data.Common.DbException or OperationCanceledException)
        {
            await RemoveAsync(owner, document.Id, CancellationToken.None).ConfigureAwait(false);
            throw;
        }

        return document with { Status = "ready" };
    }

    public Task<DocumentRecord?> FindAsync(string owner, string id, CancellationToken cancellationToken) => documents.FindAsync(owner, id, cancellationToken);

    public Task<(IReadOnlyList<DocumentRecord> Items, long Total)> ListAsync(string owner, int page, int perPage, CancellationToken cancellationToken) =>
        documents.ListAsync(owner, page, perPage, cancellationToken);

    public async Task<bool> DeleteAsync(string owner, string id, CancellationToken cancellationToken)
    {
        if (await documents.FindAsync(owner, id, cancellationToken).ConfigureAwait(false) is null)
        {
            return false;
        }

        await RemoveAsync(owner, id, cancellationToken).ConfigureAwait(false);
        return true;
    }

    /// <summary>The owner's passages closest to the query, in the given documents (all of the owner's when none).</summary>
    public async Task<IReadOnlyList<Passage>> SearchAsync(string owner, string query, int limit, IReadOnlyList<string>? documentIds, double? minScore,
        CancellationToken cancellationToken)
    {
        if (await memory.Store.GetCollectionAsync(VectorMemory.DocumentCollection, cancellationToken).ConfigureAwait(false) is null)
        {
            return [];
        }

        var vector = (await memory.EmbedAsync([query], cancellationToken).ConfigureAwait(false))[0];
        var scope = VectorFilter.Of(("owner", owner), ("kind", "document"));
        var ids = documentIds?.Distinct(StringComparer.Ordinal).ToList() ?? [];
        if (ids.Count > MaxSearchDocuments)
        {
            throw GatewayException.Invalid($"document_ids lists at most {MaxSearchDocuments} documents", "document_ids");
        }

        var filters = ids.Count > 0 ? ids.Select(id => scope.And(VectorFilter.Of(("document_id", id)))) : [scope];
        var matches = new List<VectorMatch>();
        foreach (var filter in filters)
        {
            matches.AddRange(await memory.Store.SearchAsync(VectorMemory.DocumentCollection, vector, limit, filter, minScore, cancellationToken).ConfigureAwait(false));
        }

        return [.. matches.OrderByDescending(m => m.Score).Take(limit).Select(m => new Passage(
            Text(m, "document_id"), Text(m, "title"), m.Payload.TryGetValue("chunk_index", out var index) ? index.GetInt32() : 0, Text(m, "text"), m.Score))];
    }

    private async Task RemoveAsync(string owner, string id, CancellationToken cancellationToken)
    {
        if (await memory.Store.GetCollectionAsync(VectorMemory.DocumentCollection, cancellationToken).ConfigureAwait(false) is not null)
        {
            await memory.Store.DeleteAsync(VectorMemory.DocumentCollection, VectorFilter.Of(("owner", owner), ("document_id", id)), cancellationToken)
                .ConfigureAwait(false);
        }

        await documents.DeleteAsync(owner, id, cancellationToken).ConfigureAwait(false);
    }

    private static string Text(VectorMatch match, string key) =>
        match.Payload.TryGetValue(key, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString()! : "";

    internal sealed record Passage(string DocumentId, string Title, int ChunkIndex, string Text, double Score);
}
