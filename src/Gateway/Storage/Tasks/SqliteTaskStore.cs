using System.Data.Common;
using Microsoft.Data.Sqlite;

namespace SutazAi.Gateway.Storage.Tasks;

/// <summary>SQLite: one writer at a time (BEGIN IMMEDIATE), so a claim is a single UPDATE … RETURNING with no row locks to skip.</summary>
internal sealed class SqliteTaskStore(Database database, TimeProvider time) : SqlTaskStore(database, time)
{
    private const int SqliteConstraint = 19;

    protected override string ClaimSql =>
        "UPDATE tasks SET status = 'running', attempts = attempts + 1, fence = fence + 1, lease_owner = @worker, lease_expires_at = @expires, "
        + "updated_at = @now WHERE id IN (SELECT id FROM tasks WHERE status = 'queued' AND run_after <= @now "
        + "ORDER BY priority DESC, created_at, id LIMIT @max)";

    protected override Task<DbTransaction> BeginWriteAsync(DbConnection connection, CancellationToken cancellationToken) =>
        Task.FromResult(Db.BeginImmediate(connection));

    protected override bool IsUniqueViolation(DbException exception) => exception is SqliteException { SqliteErrorCode: SqliteConstraint };
}
