using System.Data.Common;
using System.Globalization;
using System.Reflection;

namespace SutazAi.Gateway.Storage;

/// <summary>
/// Applies the embedded, versioned SQL scripts of the provider (Storage/Migrations/{postgres,sqlite}/NNNN_name.sql)
/// that the database has not seen, all in one transaction, recording each in schema_migrations. Idempotent;
/// replicas starting together serialise on a PostgreSQL advisory lock or SQLite's write lock.
/// </summary>
internal sealed partial class MigrationRunner(Database database, TimeProvider time, ILogger<MigrationRunner> logger)
{
    private const long AdvisoryLockKey = 0x5375_7461_7A41_49; // "SutazAI"

    public async Task<IReadOnlyList<int>> ApplyAsync(CancellationToken cancellationToken)
    {
        var scripts = Scripts(database.Provider);
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var transaction = await BeginAsync(connection, cancellationToken).ConfigureAwait(false);
        await ExecuteAsync(connection, transaction, database.Provider == StoreProvider.Postgres
            ? "CREATE TABLE IF NOT EXISTS schema_migrations (version integer PRIMARY KEY, name text NOT NULL, applied_at bigint NOT NULL)"
            : "CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at INTEGER NOT NULL)", cancellationToken).ConfigureAwait(false);

        var applied = new HashSet<int>();
        await using (var command = connection.CreateCommand())
        {
            command.Transaction = transaction;
            command.CommandText = "SELECT version FROM schema_migrations";
            await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                applied.Add(Convert.ToInt32(reader.GetValue(0), CultureInfo.InvariantCulture));
            }
        }

        var done = new List<int>();
        foreach (var (version, name, sql) in scripts.Where(s => !applied.Contains(s.Version)))
        {
            await ExecuteAsync(connection, transaction, sql, cancellationToken).ConfigureAwait(false);
            await using var record = connection.CreateCommand();
            record.Transaction = transaction;
            record.CommandText = "INSERT INTO schema_migrations (version, name, applied_at) VALUES (@v, @n, @t)";
            Db.Add(record, "v", version);
            Db.Add(record, "n", name);
            Db.Add(record, "t", time.GetUtcNow().ToUnixTimeMilliseconds());
            await record.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            done.Add(version);
            LogApplied(logger, version, name, database.Provider);
        }

        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        return done;
    }

    internal static IReadOnlyList<(int Version, string Name, string Sql)> Scripts(StoreProvider provider)
    {
        var assembly = typeof(MigrationRunner).Assembly;
        var prefix = $"{assembly.GetName().Name}.Storage.Migrations.{(provider == StoreProvider.Postgres ? "postgres" : "sqlite")}.";
        return [.. assembly.GetManifestResourceNames()
            .Where(n => n.StartsWith(prefix, StringComparison.Ordinal) && n.EndsWith(".sql", StringComparison.Ordinal))
            .Select(n =>
            {
                var file = n[prefix.Length..^".sql".Length];
                var version = int.Parse(file[..file.IndexOf('_', StringComparison.Ordinal)], CultureInfo.InvariantCulture);
                using var stream = assembly.GetManifestResourceStream(n)!;
                using var reader = new StreamReader(stream);
                return (version, file, reader.ReadToEnd());
            })
            .OrderBy(s => s.version)];
    }

    private async Task<DbTransaction> BeginAsync(DbConnection connection, CancellationToken cancellationToken)
    {
        if (database.Provider == StoreProvider.Sqlite)
        {
            // BEGIN IMMEDIATE takes the write lock now, so two processes cannot both decide to apply a script.
            return Db.BeginImmediate(connection);
        }

        var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        await using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = "SELECT pg_advisory_xact_lock(@k)";
        Db.Add(command, "k", AdvisoryLockKey);
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        return transaction;
    }

    private static async Task ExecuteAsync(DbConnection connection, DbTransaction transaction, string sql, CancellationToken cancellationToken)
    {
        await using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = sql;
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Applied migration {Version} ({Name}) on {Provider}")]
    private static partial void LogApplied(ILogger logger, int version, string name, StoreProvider provider);
}
