using System.Collections.Concurrent;
using System.Data.Common;
using System.Globalization;
using System.Runtime.InteropServices;
using System.Text.Json;
using SutazAi.Gateway.Storage;

namespace SutazAi.Gateway.Vectors;

/// <summary>
/// The default vector store: points in the gateway's database (PostgreSQL or SQLite), searched exactly in memory.
/// Each replica keeps one <see cref="VectorIndex"/> per collection and, before answering, reads the collection's
/// version and applies the rows written since (by any replica). Writes hold the collection row's lock (PostgreSQL)
/// or the database's write lock (SQLite), so versions are committed in order and no write is missed.
/// </summary>
internal sealed class EmbeddedVectorStore(Database database, TimeProvider time) : IVectorStore, IDisposable
{
    private const int WriteBatch = 500;
    private readonly ConcurrentDictionary<string, VectorIndex> _indexes = new(StringComparer.Ordinal);
    private readonly SemaphoreSlim _sync = new(1, 1);

    public string Backend => "embedded";

    public void Dispose() => _sync.Dispose();

    public async Task<IReadOnlyList<VectorCollection>> ListCollectionsAsync(CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT c.name, c.dimension, c.distance, (SELECT COUNT(*) FROM vector_points p WHERE p.collection = c.name AND p.deleted = 0) "
            + "FROM vector_collections c";
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        var collections = new List<VectorCollection>();
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            collections.Add(new VectorCollection(reader.GetString(0), reader.GetInt32(1), ParseDistance(reader.GetString(2)), reader.GetInt64(3)));
        }

        // Ordered here, not in SQL: PostgreSQL would sort by the database's collation, SQLite and Qdrant by code point.
        return [.. collections.OrderBy(c => c.Name, StringComparer.Ordinal)];
    }

    public async Task<VectorCollection?> GetCollectionAsync(string name, CancellationToken cancellationToken)
    {
        var index = await FreshIndexAsync(name, cancellationToken).ConfigureAwait(false);
        return index is null ? null : new VectorCollection(name, index.Dimension, index.Distance, index.Count);
    }

    public async Task<bool> CreateCollectionAsync(string name, int dimension, VectorDistance distance, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var command = connection.CreateCommand();
        command.CommandText = "INSERT INTO vector_collections (name, uid, dimension, distance, version, created_at) "
            + "VALUES (@name, @uid, @dimension, @distance, 0, @now) ON CONFLICT (name) DO NOTHING";
        Db.Add(command, "name", name);
        Db.Add(command, "uid", Guid.NewGuid().ToString("N"));
        Db.Add(command, "dimension", dimension);
        Db.Add(command, "distance", distance.ToString().ToLowerInvariant());
        Db.Add(command, "now", time.GetUtcNow().ToUnixTimeMilliseconds());
        return await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false) == 1;
    }

    public async Task<bool> DeleteCollectionAsync(string name, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var transaction = await BeginAsync(connection, cancellationToken).ConfigureAwait(false);
        await using var points = connection.CreateCommand();
        points.Transaction = transaction;
        points.CommandText = "DELETE FROM vector_points WHERE collection = @name";
        Db.Add(points, "name", name);
        await points.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        await using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = "DELETE FROM vector_collections WHERE name = @name";
        Db.Add(command, "name", name);
        var deleted = await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false) == 1;
        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        _indexes.TryRemove(name, out _);
        return deleted;
    }

    public async Task UpsertAsync(string name, IReadOnlyList<VectorPoint> points, CancellationToken cancellationToken)
    {
        for (var offset = 0; offset < points.Count; offset += WriteBatch)
        {
            var batch = points.Skip(offset).Take(WriteBatch).ToList();
            await WriteAsync(name, async (connection, transaction, collection, version) =>
            {
                foreach (var point in batch)
                {
                    if (point.Vector.Length != collection.Dimension)
                    {
                        throw Errors.GatewayException.Invalid(
                            $"vector dimension error: expected dim: {collection.Dimension}, got {point.Vector.Length}", "points.vector");
                    }
                }

                await using var command = connection.CreateCommand();
                command.Transaction = transaction;
                command.CommandText = "INSERT INTO vector_points (collection, id, seq, deleted, vector, payload) VALUES (@name, @id, @seq, 0, @vector, @payload) "
                    + "ON CONFLICT (collection, id) DO UPDATE SET seq = excluded.seq, deleted = 0, vector = excluded.vector, payload = excluded.payload";
                Db.Add(command, "name", name);
                Db.Add(command, "seq", version);
                Db.Add(command, "id", "");
                Db.Add(command, "vector", Array.Empty<byte>());
                Db.Add(command, "payload", "");
                foreach (var point in batch)
                {
                    command.Parameters[2].Value = point.Id;
                    command.Parameters[3].Value = MemoryMarshal.AsBytes(point.Vector.AsSpan()).ToArray();
                    command.Parameters[4].Value = JsonSerializer.Serialize(ToDictionary(point.Payload), VectorJson.Default.DictionaryStringJsonElement);
                    await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
                }
            }, cancellationToken).ConfigureAwait(false);
        }
    }

    public async Task<IReadOnlyList<VectorMatch>> SearchAsync(string name, ReadOnlyMemory<float> vector, int limit, VectorFilter filter,
        double? scoreThreshold, CancellationToken cancellationToken)
    {
        var index = await FreshIndexAsync(name, cancellationToken).ConfigureAwait(false) ?? throw Missing(name);
        if (vector.Length != index.Dimension)
        {
            throw Errors.GatewayException.Invalid($"vector dimension error: expected dim: {index.Dimension}, got {vector.Length}", "vector");
        }

        return index.Search(vector.Span, limit, filter, scoreThreshold);
    }

    public Task DeleteAsync(string name, IReadOnlyList<string> ids, CancellationToken cancellationToken) =>
        TombstoneAsync(name, _ => ids, cancellationToken);

    public Task DeleteAsync(string name, VectorFilter filter, CancellationToken cancellationToken) =>
        filter.IsEmpty
            ? throw Errors.GatewayException.Invalid("a delete needs a filter or ids", "filter")
            : TombstoneAsync(name, index => index.Select(filter), cancellationToken);

    public async Task<long> CountAsync(string name, VectorFilter filter, CancellationToken cancellationToken)
    {
        var index = await FreshIndexAsync(name, cancellationToken).ConfigureAwait(false) ?? throw Missing(name);
        return index.CountMatching(filter);
    }

    /// <summary>Marks points deleted. The ids are chosen inside the write, from an index brought up to date under the lock.</summary>
    private Task TombstoneAsync(string name, Func<VectorIndex, IReadOnlyList<string>> choose, CancellationToken cancellationToken) =>
        WriteAsync(name, async (connection, transaction, collection, version) =>
        {
            // The index is brought to the state before this write: its tombstones reach it through the next refresh.
            var index = await RefreshAsync(connection, transaction, name, collection with { Version = version - 1 }, cancellationToken).ConfigureAwait(false);
            await using var command = connection.CreateCommand();
            command.Transaction = transaction;
            command.CommandText = "UPDATE vector_points SET deleted = 1, vector = NULL, payload = NULL, seq = @seq "
                + "WHERE collection = @name AND id = @id AND deleted = 0";
            Db.Add(command, "name", name);
            Db.Add(command, "seq", version);
            Db.Add(command, "id", "");
            foreach (var id in choose(index))
            {
                command.Parameters[2].Value = id;
                await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            }
        }, cancellationToken);

    /// <summary>One write: bump the collection's version (taking its lock), run <paramref name="write"/> with it, commit.</summary>
    private async Task WriteAsync(string name, Func<DbConnection, DbTransaction, CollectionRow, long, Task> write, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var transaction = await BeginAsync(connection, cancellationToken).ConfigureAwait(false);
        await using var bump = connection.CreateCommand();
        bump.Transaction = transaction;
        bump.CommandText = "UPDATE vector_collections SET version = version + 1 WHERE name = @name RETURNING uid, dimension, distance, version";
        Db.Add(bump, "name", name);
        CollectionRow collection;
        await using (var reader = await bump.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false))
        {
            if (!await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                throw Missing(name);
            }

            collection = new CollectionRow(reader.GetString(0), reader.GetInt32(1), ParseDistance(reader.GetString(2)), reader.GetInt64(3));
        }

        await write(connection, transaction, collection, collection.Version).ConfigureAwait(false);
        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The collection's index, up to date with the database; null when the collection does not exist.</summary>
    private async Task<VectorIndex?> FreshIndexAsync(string name, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT uid, dimension, distance, version FROM vector_collections WHERE name = @name";
        Db.Add(command, "name", name);
        CollectionRow? collection = null;
        await using (var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false))
        {
            if (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                collection = new CollectionRow(reader.GetString(0), reader.GetInt32(1), ParseDistance(reader.GetString(2)), reader.GetInt64(3));
            }
        }

        if (collection is null)
        {
            _indexes.TryRemove(name, out _);
            return null;
        }

        if (_indexes.TryGetValue(name, out var current) && current.Uid == collection.Uid && current.Version >= collection.Version)
        {
            return current;
        }

        return await RefreshAsync(connection, null, name, collection, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Applies the rows written since the index's version (all of them for a new index). One refresh at a time.</summary>
    private async Task<VectorIndex> RefreshAsync(DbConnection connection, DbTransaction? transaction, string name, CollectionRow collection,
        CancellationToken cancellationToken)
    {
        await _sync.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (!_indexes.TryGetValue(name, out var index) || index.Uid != collection.Uid)
            {
                index = new VectorIndex(collection.Uid, collection.Dimension, collection.Distance);
                _indexes[name] = index;
            }

            await using var command = connection.CreateCommand();
            command.Transaction = transaction;
            // Only while the collection is still this incarnation: one deleted and made again meanwhile (by another
            // replica) has rows that belong to a new index.
            command.CommandText = "SELECT id, deleted, vector, payload, seq FROM vector_points WHERE collection = @name AND seq > @since "
                + "AND EXISTS (SELECT 1 FROM vector_collections c WHERE c.name = @name AND c.uid = @uid) ORDER BY seq";
            Db.Add(command, "name", name);
            Db.Add(command, "since", index.Version);
            Db.Add(command, "uid", collection.Uid);
            var rows = new List<(string, bool, float[]?, IReadOnlyDictionary<string, JsonElement>?)>();
            var version = collection.Version;
            await using (var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false))
            {
                while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
                {
                    var deleted = reader.GetInt32(1) != 0;
                    rows.Add((reader.GetString(0), deleted,
                        deleted ? null : MemoryMarshal.Cast<byte, float>(((byte[])reader.GetValue(2)).AsSpan()).ToArray(),
                        deleted ? null : JsonSerializer.Deserialize(reader.GetString(3), VectorJson.Default.DictionaryStringJsonElement)));
                    version = Math.Max(version, reader.GetInt64(4));
                }
            }

            index.Apply(rows, version);
            return index;
        }
        finally
        {
            _sync.Release();
        }
    }

    private async Task<DbTransaction> BeginAsync(DbConnection connection, CancellationToken cancellationToken) =>
        database.Provider == StoreProvider.Sqlite
            ? Db.BeginImmediate(connection)
            : await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);

    private static Dictionary<string, JsonElement> ToDictionary(IReadOnlyDictionary<string, JsonElement> payload) =>
        payload as Dictionary<string, JsonElement> ?? new Dictionary<string, JsonElement>(payload, StringComparer.Ordinal);

    internal static VectorDistance ParseDistance(string value) =>
        Enum.TryParse<VectorDistance>(value, ignoreCase: true, out var distance) ? distance : throw new FormatException(value);

    internal static Errors.GatewayException Missing(string name) =>
        new(Errors.ErrorKind.NotFound, string.Create(CultureInfo.InvariantCulture, $"collection '{name}' does not exist"));

    private sealed record CollectionRow(string Uid, int Dimension, VectorDistance Distance, long Version);
}
