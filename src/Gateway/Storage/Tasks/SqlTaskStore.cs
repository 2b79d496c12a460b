using System.Data.Common;

namespace SutazAi.Gateway.Storage.Tasks;

/// <summary>
/// The task queue in SQL that PostgreSQL and SQLite both run. Every state change is one fenced UPDATE (the row's
/// fence must still be the caller's) plus its event row, in one transaction. The providers differ only in how a
/// write transaction starts and how claiming skips rows other claimers hold.
/// </summary>
internal abstract class SqlTaskStore(Database database, TimeProvider time) : ITaskStore
{
    private const string Columns = "id, task_type, payload, priority, status, attempts, max_attempts, fence, run_after, lease_owner, "
        + "lease_expires_at, cancel_requested, result, last_error, created_at, updated_at, completed_at";

    /// <summary>The claim statement; it must select due queued rows in priority order and skip rows locked by others.</summary>
    protected abstract string ClaimSql { get; }

    protected abstract Task<DbTransaction> BeginWriteAsync(DbConnection connection, CancellationToken cancellationToken);

    protected abstract bool IsUniqueViolation(DbException exception);

    public async Task<EnqueueResult> EnqueueAsync(NewTask task, CancellationToken cancellationToken)
    {
        if (task.IdempotencyKey is { } key && await FindByKeyAsync(key, cancellationToken).ConfigureAwait(false) is { } existing)
        {
            return Same(existing, task);
        }

        var id = Guid.CreateVersion7().ToString("N");
        var now = Now();
        try
        {
            await WriteAsync(async (connection, transaction) =>
            {
                await ExecuteAsync(connection, transaction,
                    "INSERT INTO tasks (id, task_type, payload, priority, status, attempts, max_attempts, fence, run_after, cancel_requested, "
                    + "idempotency_key, created_at, updated_at) VALUES (@id, @type, @payload, @priority, 'queued', 0, @max, 0, @now, @false, "
                    + "@key, @now, @now)", cancellationToken,
                    ("id", id), ("type", task.TaskType), ("payload", task.Payload), ("priority", task.Priority), ("max", task.MaxAttempts),
                    ("now", now), ("false", false), ("key", task.IdempotencyKey)).ConfigureAwait(false);
                await InsertEventAsync(connection, transaction, id, "queued", null, now, cancellationToken).ConfigureAwait(false);
                return 0;
            }, cancellationToken).ConfigureAwait(false);
        }
        catch (DbException e) when (task.IdempotencyKey is not null && IsUniqueViolation(e))
        {
            // Another request with the same key won the race; answer with its task.
            var winner = await FindByKeyAsync(task.IdempotencyKey, cancellationToken).ConfigureAwait(false);
            return Same(winner!, task);
        }

        var at = Time(now);
        return new EnqueueResult(EnqueueOutcome.Created, new TaskRecord(id, task.TaskType, task.Payload, task.Priority, TaskStatus.Queued, 0,
            task.MaxAttempts, 0, at, null, null, false, null, null, at, at, null));
    }

    public async Task<TaskRecord?> GetAsync(string id, CancellationToken cancellationToken)
    {
        var rows = await QueryAsync($"SELECT {Columns} FROM tasks WHERE id = @id", cancellationToken, ("id", id)).ConfigureAwait(false);
        return rows.Count == 0 ? null : rows[0];
    }

    public async Task<TaskPage> ListAsync(string? status, string? taskType, int page, int perPage, CancellationToken cancellationToken)
    {
        var filters = new List<string>();
        var parameters = new List<(string, object?)>();
        if (status is not null)
        {
            filters.Add("status = @status");
            parameters.Add(("status", status));
        }

        if (taskType is not null)
        {
            filters.Add("task_type = @type");
            parameters.Add(("type", taskType));
        }

        var where = filters.Count == 0 ? "" : " WHERE " + string.Join(" AND ", filters);
        var total = await ScalarAsync($"SELECT COUNT(*) FROM tasks{where}", cancellationToken, [.. parameters]).ConfigureAwait(false);
        parameters.Add(("limit", perPage));
        parameters.Add(("offset", (page - 1) * perPage));
        var items = await QueryAsync($"SELECT {Columns} FROM tasks{where} ORDER BY created_at DESC, id DESC LIMIT @limit OFFSET @offset",
            cancellationToken, [.. parameters]).ConfigureAwait(false);
        return new TaskPage(items, total);
    }

    public Task<IReadOnlyList<TaskRecord>> ClaimAsync(string worker, int max, TimeSpan lease, CancellationToken cancellationToken) =>
        WriteAsync<IReadOnlyList<TaskRecord>>(async (connection, transaction) =>
        {
            var now = Now();
            var claimed = await ReadAsync(connection, transaction, ClaimSql + " RETURNING " + Columns, cancellationToken,
                ("worker", worker), ("expires", now + (long)lease.TotalMilliseconds), ("now", now), ("max", max)).ConfigureAwait(false);
            foreach (var task in claimed)
            {
                await InsertEventAsync(connection, transaction, task.Id, "started", $$"""{"attempt":{{task.Attempts}},"worker":"{{Escape(worker)}}"}""", now, cancellationToken).ConfigureAwait(false);
            }

            return claimed;
        }, cancellationToken);

    public async Task<HeartbeatResult> HeartbeatAsync(string id, long fence, TimeSpan lease, CancellationToken cancellationToken)
    {
        var now = Now();
        var rows = await WriteAsync(async (connection, transaction) => await ReadAsync(connection, transaction,
            $"UPDATE tasks SET lease_expires_at = @expires, updated_at = @now WHERE id = @id AND fence = @fence AND status = 'running' RETURNING {Columns}",
            cancellationToken, ("expires", now + (long)lease.TotalMilliseconds), ("now", now), ("id", id), ("fence", fence)).ConfigureAwait(false),
            cancellationToken).ConfigureAwait(false);
        return rows.Count == 0 ? HeartbeatResult.Stale : rows[0].CancelRequested ? HeartbeatResult.CancelRequested : HeartbeatResult.Extended;
    }

    public Task<FinishOutcome> CompleteAsync(string id, long fence, string result, CancellationToken cancellationToken) =>
        FinishAsync(id, fence, "UPDATE tasks SET status = 'completed', result = @result, lease_owner = NULL, lease_expires_at = NULL, "
            + "completed_at = @now, updated_at = @now WHERE id = @id AND fence = @fence AND status = 'running' RETURNING status",
            "completed", null, cancellationToken, ("result", result));

    public Task<FinishOutcome> FailAsync(string id, long fence, string error, TimeSpan retryDelay, bool retryable, CancellationToken cancellationToken) =>
        FinishAsync(id, fence, "UPDATE tasks SET status = CASE WHEN attempts >= max_attempts OR @final THEN 'failed' ELSE 'queued' END, "
            + "run_after = @retryAt, last_error = @error, lease_owner = NULL, lease_expires_at = NULL, "
            + "completed_at = CASE WHEN attempts >= max_attempts OR @final THEN @now ELSE NULL END, updated_at = @now "
            + "WHERE id = @id AND fence = @fence AND status = 'running' RETURNING status",
            null, error, cancellationToken, ("retryAt", Now() + (long)retryDelay.TotalMilliseconds), ("error", error), ("final", !retryable));

    public Task<FinishOutcome> ReleaseAsync(string id, long fence, CancellationToken cancellationToken) =>
        FinishAsync(id, fence, "UPDATE tasks SET status = 'queued', attempts = attempts - 1, run_after = @now, lease_owner = NULL, "
            + "lease_expires_at = NULL, updated_at = @now WHERE id = @id AND fence = @fence AND status = 'running' RETURNING status",
            "released", null, cancellationToken);

    public Task<FinishOutcome> AcknowledgeCancelAsync(string id, long fence, CancellationToken cancellationToken) =>
        FinishAsync(id, fence, "UPDATE tasks SET status = 'cancelled', lease_owner = NULL, lease_expires_at = NULL, completed_at = @now, "
            + "updated_at = @now WHERE id = @id AND fence = @fence AND status = 'running' RETURNING status",
            "cancelled", null, cancellationToken);

    public Task<CancelOutcome> CancelAsync(string id, CancellationToken cancellationToken) =>
        WriteAsync(async (connection, transaction) =>
        {
            var now = Now();
            var queued = await ReadStatusAsync(connection, transaction,
                "UPDATE tasks SET status = 'cancelled', completed_at = @now, updated_at = @now WHERE id = @id AND status = 'queued' RETURNING status",
                cancellationToken, ("now", now), ("id", id)).ConfigureAwait(false);
            if (queued is not null)
            {
                await InsertEventAsync(connection, transaction, id, "cancelled", null, now, cancellationToken).ConfigureAwait(false);
                return CancelOutcome.Cancelled;
            }

            var running = await ReadStatusAsync(connection, transaction,
                "UPDATE tasks SET cancel_requested = @true, updated_at = @now WHERE id = @id AND status = 'running' RETURNING status",
                cancellationToken, ("true", true), ("now", now), ("id", id)).ConfigureAwait(false);
            if (running is not null)
            {
                return CancelOutcome.Requested;
            }

            var any = await ReadStatusAsync(connection, transaction, "SELECT status FROM tasks WHERE id = @id", cancellationToken, ("id", id)).ConfigureAwait(false);
            return any is null ? CancelOutcome.NotFound : CancelOutcome.AlreadyFinished;
        }, cancellationToken);

    public Task<int> RescueExpiredAsync(CancellationToken cancellationToken) =>
        WriteAsync(async (connection, transaction) =>
        {
            var now = Now();
            var rescued = await ReadAsync(connection, transaction,
                "UPDATE tasks SET status = CASE WHEN attempts >= max_attempts THEN 'failed' ELSE 'queued' END, "
                + "last_error = 'lease expired (worker lost)', lease_owner = NULL, lease_expires_at = NULL, run_after = @now, "
                + "completed_at = CASE WHEN attempts >= max_attempts THEN @now ELSE NULL END, updated_at = @now "
                + $"WHERE status = 'running' AND lease_expires_at < @now RETURNING {Columns}",
                cancellationToken, ("now", now)).ConfigureAwait(false);
            foreach (var task in rescued)
            {
                await InsertEventAsync(connection, transaction, task.Id, task.Status == TaskStatus.Failed ? "failed" : "retrying",
                    """{"error":"lease expired (worker lost)"}""", now, cancellationToken).ConfigureAwait(false);
            }

            return rescued.Count;
        }, cancellationToken);

    public Task AddEventAsync(string id, long fence, string eventType, string? data, CancellationToken cancellationToken) =>
        WriteAsync(async (connection, transaction) =>
        {
            // Touching the row first serialises events of one task (row lock on PostgreSQL) and drops stale writers.
            var now = Now();
            var live = await ReadStatusAsync(connection, transaction,
                "UPDATE tasks SET updated_at = @now WHERE id = @id AND fence = @fence AND status = 'running' RETURNING status",
                cancellationToken, ("now", now), ("id", id), ("fence", fence)).ConfigureAwait(false);
            if (live is not null)
            {
                await InsertEventAsync(connection, transaction, id, eventType, data, now, cancellationToken).ConfigureAwait(false);
            }

            return 0;
        }, cancellationToken);

    public async Task<IReadOnlyList<TaskEventRecord>> EventsAsync(string id, int afterSeq, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var command = Command(connection, null,
            "SELECT task_id, seq, event_type, data, created_at FROM task_events WHERE task_id = @id AND seq > @after ORDER BY seq",
            [("id", id), ("after", afterSeq)]);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        var events = new List<TaskEventRecord>();
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            events.Add(new TaskEventRecord(reader.GetString(0), reader.GetInt32(1), reader.GetString(2), Db.NullableString(reader, 3),
                DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(4))));
        }

        return events;
    }

    private static EnqueueResult Same(TaskRecord existing, NewTask task) =>
        // The same key with a different body is a client error (409), never a silent second task.
        new(existing.Payload == task.Payload && existing.TaskType == task.TaskType ? EnqueueOutcome.Existing : EnqueueOutcome.KeyConflict, existing);

    private async Task<TaskRecord?> FindByKeyAsync(string key, CancellationToken cancellationToken)
    {
        var rows = await QueryAsync($"SELECT {Columns} FROM tasks WHERE idempotency_key = @key", cancellationToken, ("key", key)).ConfigureAwait(false);
        return rows.Count == 0 ? null : rows[0];
    }

    private Task<FinishOutcome> FinishAsync(string id, long fence, string sql, string? fixedEvent, string? error, CancellationToken cancellationToken,
        params (string Name, object? Value)[] extra) =>
        WriteAsync(async (connection, transaction) =>
        {
            var now = Now();
            var status = await ReadStatusAsync(connection, transaction, sql, cancellationToken,
                [("now", now), ("id", id), ("fence", fence), .. extra]).ConfigureAwait(false);
            if (status is null)
            {
                return FinishOutcome.Stale;
            }

            var eventType = fixedEvent ?? (status == TaskStatus.Failed ? "failed" : "retrying");
            var data = error is null ? null : $$"""{"error":"{{Escape(error)}}"}""";
            await InsertEventAsync(connection, transaction, id, eventType, data, now, cancellationToken).ConfigureAwait(false);
            return status switch
            {
                TaskStatus.Queued when fixedEvent is null => FinishOutcome.Retrying,
                TaskStatus.Failed => FinishOutcome.DeadLettered,
                _ => FinishOutcome.Done,
            };
        }, cancellationToken);

    private async Task<T> WriteAsync<T>(Func<DbConnection, DbTransaction, Task<T>> work, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var transaction = await BeginWriteAsync(connection, cancellationToken).ConfigureAwait(false);
        var result = await work(connection, transaction).ConfigureAwait(false);
        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        return result;
    }

    private async Task<IReadOnlyList<TaskRecord>> QueryAsync(string sql, CancellationToken cancellationToken, params (string Name, object? Value)[] parameters)
    {
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        return await ReadAsync(connection, null, sql, cancellationToken, parameters).ConfigureAwait(false);
    }

    private async Task<long> ScalarAsync(string sql, CancellationToken cancellationToken, params (string Name, object? Value)[] parameters)
    {
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var command = Command(connection, null, sql, parameters);
        return Convert.ToInt64(await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false), System.Globalization.CultureInfo.InvariantCulture);
    }

    private static async Task<IReadOnlyList<TaskRecord>> ReadAsync(DbConnection connection, DbTransaction? transaction, string sql,
        CancellationToken cancellationToken, params (string Name, object? Value)[] parameters)
    {
        await using var command = Command(connection, transaction, sql, parameters);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        var rows = new List<TaskRecord>();
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            rows.Add(new TaskRecord(
                reader.GetString(0), reader.GetString(1), reader.GetString(2), reader.GetInt32(3), reader.GetString(4), reader.GetInt32(5),
                reader.GetInt32(6), reader.GetInt64(7), Time(reader.GetInt64(8)), Db.NullableString(reader, 9),
                Db.NullableInt64(reader, 10) is { } lease ? Time(lease) : null, reader.GetBoolean(11), Db.NullableString(reader, 12),
                Db.NullableString(reader, 13), Time(reader.GetInt64(14)), Time(reader.GetInt64(15)),
                Db.NullableInt64(reader, 16) is { } completed ? Time(completed) : null));
        }

        return rows;
    }

    private static async Task<string?> ReadStatusAsync(DbConnection connection, DbTransaction transaction, string sql,
        CancellationToken cancellationToken, params (string Name, object? Value)[] parameters)
    {
        await using var command = Command(connection, transaction, sql, parameters);
        return await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) as string;
    }

    private static async Task ExecuteAsync(DbConnection connection, DbTransaction transaction, string sql, CancellationToken cancellationToken,
        params (string Name, object? Value)[] parameters)
    {
        await using var command = Command(connection, transaction, sql, parameters);
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    private static Task InsertEventAsync(DbConnection connection, DbTransaction transaction, string id, string eventType, string? data, long now,
        CancellationToken cancellationToken) =>
        ExecuteAsync(connection, transaction,
            "INSERT INTO task_events (task_id, seq, event_type, data, created_at) "
            + "SELECT @id, COALESCE(MAX(seq), 0) + 1, @type, @data, @now FROM task_events WHERE task_id = @id",
            cancellationToken, ("id", id), ("type", eventType), ("data", data), ("now", now));

    private static DbCommand Command(DbConnection connection, DbTransaction? transaction, string sql, (string Name, object? Value)[] parameters)
    {
        var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = sql;
        foreach (var (name, value) in parameters)
        {
            Db.Add(command, name, value);
        }

        return command;
    }

    private static string Escape(string text) => System.Text.Json.JsonEncodedText.Encode(text).ToString();

    private static DateTimeOffset Time(long unixMilliseconds) => DateTimeOffset.FromUnixTimeMilliseconds(unixMilliseconds);

    private long Now() => time.GetUtcNow().ToUnixTimeMilliseconds();
}
