using System.Data.Common;
using Npgsql;

namespace SutazAi.Gateway.Storage.Tasks;

/// <summary>PostgreSQL: claimers skip rows other transactions hold (FOR UPDATE SKIP LOCKED), so no head-of-line blocking.</summary>
internal sealed class PostgresTaskStore(Database database, TimeProvider time) : SqlTaskStore(database, time)
{
    protected override string ClaimSql =>
        "UPDATE tasks SET status = 'running', attempts = attempts + 1, fence = fence + 1, lease_owner = @worker, lease_expires_at = @expires, "
        + "updated_at = @now WHERE id IN (SELECT id FROM tasks WHERE status = 'queued' AND run_after <= @now "
        + "ORDER BY priority DESC, created_at, id LIMIT @max FOR UPDATE SKIP LOCKED)";

    protected override async Task<DbTransaction> BeginWriteAsync(DbConnection connection, CancellationToken cancellationToken) =>
        await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);

    protected override bool IsUniqueViolation(DbException exception) => exception is PostgresException { SqlState: PostgresErrorCodes.UniqueViolation };
}
