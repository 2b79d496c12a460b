using System.Data.Common;

namespace SutazAi.Gateway.Storage.Documents;

/// <summary>
/// Documents in the store (the same statements on PostgreSQL and SQLite). A document is written as "indexing" before
/// its chunks go to the vector store and becomes "ready" after, so a crash in between leaves a visible, deletable
/// "indexing" document rather than a document that silently finds nothing. Every read is scoped to an owner.
/// </summary>
internal sealed class DocumentStore(Database database)
{
    private const string Columns = "id, owner, title, content_type, content, characters, chunks, embedding_model, status, metadata, created_at";

    public async Task InsertAsync(DocumentRecord document, CancellationToken cancellationToken) =>
        await ExecuteAsync($"INSERT INTO documents ({Columns}) VALUES (@id, @owner, @title, @type, @content, @characters, @chunks, @model, @status, @metadata, @created)",
            cancellationToken, ("id", document.Id), ("owner", document.Owner), ("title", document.Title), ("type", document.ContentType),
            ("content", document.Content), ("characters", document.Characters), ("chunks", document.Chunks), ("model", document.EmbeddingModel),
            ("status", document.Status), ("metadata", document.Metadata), ("created", document.CreatedAt.ToUnixTimeMilliseconds())).ConfigureAwait(false);

    public async Task MarkReadyAsync(string id, CancellationToken cancellationToken) =>
        await ExecuteAsync("UPDATE documents SET status = 'ready' WHERE id = @id", cancellationToken, ("id", id)).ConfigureAwait(false);

    public async Task<DocumentRecord?> FindAsync(string owner, string id, CancellationToken cancellationToken) =>
        (await QueryAsync($"SELECT {Columns} FROM documents WHERE id = @id AND owner = @owner", cancellationToken, ("id", id), ("owner", owner))
            .ConfigureAwait(false)).FirstOrDefault();

    /// <summary>A page of the owner's documents, newest first; the content is left out (empty).</summary>
    public async Task<(IReadOnlyList<DocumentRecord> Items, long Total)> ListAsync(string owner, int page, int perPage, CancellationToken cancellationToken)
    {
        var items = await QueryAsync(
            "SELECT id, owner, title, content_type, '' AS content, characters, chunks, embedding_model, status, metadata, created_at FROM documents "
            + "WHERE owner = @owner ORDER BY created_at DESC, id DESC LIMIT @limit OFFSET @offset", cancellationToken,
            ("owner", owner), ("limit", perPage), ("offset", (page - 1) * perPage)).ConfigureAwait(false);
        var total = await Db.CountAsync(database, "SELECT COUNT(*) FROM documents WHERE owner = @owner", cancellationToken, ("owner", owner)).ConfigureAwait(false);
        return (items, total);
    }

    public async Task<bool> DeleteAsync(string owner, string id, CancellationToken cancellationToken) =>
        await ExecuteAsync("DELETE FROM documents WHERE id = @id AND owner = @owner", cancellationToken, ("id", id), ("owner", owner)).ConfigureAwait(false) == 1;

    private Task<int> ExecuteAsync(string sql, CancellationToken cancellationToken, params (string Name, object? Value)[] parameters) =>
        Db.ExecuteAsync(database, sql, cancellationToken, parameters);

    private Task<List<DocumentRecord>> QueryAsync(string sql, CancellationToken cancellationToken, params (string Name, object? Value)[] parameters) =>
        Db.QueryAsync(database, sql, Read, cancellationToken, parameters);

    private static DocumentRecord Read(DbDataReader reader) => new(
        reader.GetString(0), reader.GetString(1), reader.GetString(2), reader.GetString(3), reader.GetString(4), reader.GetInt32(5), reader.GetInt32(6),
        reader.GetString(7), reader.GetString(8), Db.NullableString(reader, 9), DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(10)));
}
