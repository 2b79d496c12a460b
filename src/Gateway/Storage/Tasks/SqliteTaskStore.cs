using System.Collections.Concurrent;
using System.Globalization;
using Microsoft.Data.Sqlite;

namespace SutazAi.Gateway.Storage.Tasks;

/// <summary>
/// SQLite: one writer at a time (BEGIN IMMEDIATE), so a claim is a single UPDATE … RETURNING with no row locks to
/// skip, and a change and its events are one short write transaction.
/// </summary>
internal sealed class SqliteTaskStore(Database database, TimeProvider time) : SqlTaskStore(database, time)
{
    private readonly ConcurrentDictionary<Change, (string Change, string Event)> _statements = new();

    protected override string ClaimSql(int max) =>
        "UPDATE tasks SET event_seq = event_seq + 1, status = 'running', attempts = attempts + 1, fence = fence + 1, lease_owner = @worker, lease_expires_at = @expires, "
        + "updated_at = @now WHERE id IN (SELECT id FROM tasks WHERE status = 'queued' AND run_after <= @now "
        + "ORDER BY priority DESC, created_at, id LIMIT " + max.ToString(CultureInfo.InvariantCulture) + ")";

    private protected override string BatchRows(string columns) =>
        "(SELECT " + string.Join(", ", columns.Split(',').Select(c => c.Trim().Split(' ')[0]).Select(name => $"json_extract(value, '$.{name}') AS {name}"))
        + " FROM json_each(@batch)) AS b";

    /// <summary>Too big, constraint and type mismatch are about the rows (as is an item that cannot be serialised); busy, I/O and the like are the database.</summary>
    private protected override bool IsItemError(Exception exception) =>
        exception is ArgumentException or SqliteException { SqliteErrorCode: 18 or 19 or 20 };

    private protected override async Task<IReadOnlyList<TaskRecord>> ChangeAsync(Change change, CancellationToken cancellationToken,
        params (string Name, object? Value)[] parameters)
    {
        var (statement, logged) = _statements.GetOrAdd(change, c =>
            ($"{Resolve(c)} RETURNING {Columns}", $"{EventInsert(c)} FROM tasks AS changed WHERE changed.id = @changedId"));
        await using var connection = await Database.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var transaction = Db.BeginImmediate(connection);
        var changed = await ReadAsync(connection, transaction, statement, cancellationToken, parameters).ConfigureAwait(false);
        foreach (var task in changed)
        {
            await ExecuteAsync(connection, transaction, logged, cancellationToken, [.. parameters, ("changedId", task.Id)]).ConfigureAwait(false);
        }

        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        return changed;
    }
}
