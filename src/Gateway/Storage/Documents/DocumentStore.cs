using System.Data.Common;
using System.Globalization;

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
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var count = connection.CreateCommand();
        count.CommandText = "SELECT COUNT(*) FROM documents WHERE owner = @owner";
        Db.Add(count, "owner", owner);
        var total = Convert.ToInt64(await count.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false), CultureInfo.InvariantCulture);
        return (items, total);
    }

    public async Task<bool> DeleteAsync(string owner, string id, CancellationToken cancellationToken) =>
        await ExecuteAsync("DELETE FROM documents WHERE id = @id AND owner = @owner", cancellationToken, ("id", id), ("owner", owner)).ConfigureAwait(false) == 1;

    private async Task<int> ExecuteAsync(string sql, CancellationToken cancellationToken, params (string Name, object? Value)[] parameters)
    {
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        foreach (var (name, value) in parameters)
        {
            Db.Add(command, name, value);
        }

        return await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    private async Task<List<DocumentRecord>> QueryAsync(string sql, CancellationToken cancellationToken, params (string Name, object? Value)[] parameters)
    {
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        foreach (var (name, value) in parameters)
        {
            Db.Add(command, name, value);
        }

        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        var rows = new List<DocumentRecord>();
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            rows.Add(Read(reader));
        }

        return rows;
    }

    private static DocumentRecord Read(DbDataReader reader) => new(
        reader.GetString(0), reader.GetString(1), reader.GetString(2), reader.GetString(3), reader.GetString(4), reader.GetInt32(5), reader.GetInt32(6),
        reader.GetString(7), reader.GetString(8), Db.NullableString(reader, 9), DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(10)));
}
