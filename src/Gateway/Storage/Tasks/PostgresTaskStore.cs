using System.Collections.Concurrent;
using System.Globalization;
using Npgsql;
using SutazAi.Gateway.Tasks;

namespace SutazAi.Gateway.Storage.Tasks;

/// <summary>
/// PostgreSQL: claimers skip rows other transactions hold (FOR UPDATE SKIP LOCKED), so no head-of-line blocking. A
/// change and its event are one statement (a data-modifying CTE), hence atomic in one round trip without BEGIN/COMMIT.
/// </summary>
internal sealed class PostgresTaskStore(Database database, TimeProvider time) : SqlTaskStore(database, time)
{
    private readonly ConcurrentDictionary<Change, string> _statements = new();

    protected override string ClaimSql(int max) =>
        "UPDATE tasks SET event_seq = event_seq + 1, status = 'running', attempts = attempts + 1, fence = fence + 1, lease_owner = @worker, lease_expires_at = @expires, "
        + "updated_at = @now WHERE id IN (SELECT id FROM tasks WHERE status = 'queued' AND run_after <= @now "
        + "ORDER BY priority DESC, created_at, id LIMIT " + max.ToString(CultureInfo.InvariantCulture) + " FOR UPDATE SKIP LOCKED)";

    private protected override string BatchRows(string columns) => $"jsonb_to_recordset(@batch::jsonb) AS b({columns})";

    /// <summary>
    /// Data exceptions (22), integrity violations (23), program limits (54) and a deadlock or serialization failure
    /// between batches (40P01, 40001) are about these rows; anything else is the database or the link.
    /// </summary>
    private protected override bool IsItemError(Exception exception) =>
        exception is ArgumentException
            or PostgresException { SqlState: ['2', '2' or '3', ..] or ['5', '4', ..] or PostgresErrorCodes.DeadlockDetected or PostgresErrorCodes.SerializationFailure };

    private protected override async Task<IReadOnlyList<TaskRecord>> ChangeAsync(Change change, CancellationToken cancellationToken,
        params (string Name, object? Value)[] parameters)
    {
        // A waking change notifies once (at commit) when it changed anything; the CTE runs because the result joins it.
        var sql = _statements.GetOrAdd(change, c =>
            $"WITH changed AS ({Resolve(c)} RETURNING {Columns}, event_seq), logged AS ({EventInsert(c)} FROM changed)"
            + (c.Wakes
                ? $", woken AS (SELECT pg_notify('{PostgresTaskWakeups.Channel}', '') FROM changed LIMIT 1) SELECT {Columns} FROM changed LEFT JOIN woken ON TRUE"
                : $" SELECT {Columns} FROM changed"));
        await using var connection = await Database.OpenAsync(cancellationToken).ConfigureAwait(false);
        return await ReadAsync(connection, null, sql, cancellationToken, parameters).ConfigureAwait(false);
    }
}
