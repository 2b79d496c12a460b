using System.Collections.Concurrent;
using System.Data.Common;

namespace SutazAi.Gateway.Storage.Tasks;

/// <summary>
/// The task queue in SQL that PostgreSQL and SQLite both run. Every state change is one fenced statement (the row's
/// fence must still be the caller's) plus its event row, atomically. The providers differ only in how they make the
/// pair atomic (one statement on PostgreSQL, one write transaction on SQLite) and how claiming skips rows other
/// claimers hold.
/// </summary>
internal abstract class SqlTaskStore : ITaskStore
{
    private readonly TimeProvider _time;
    private readonly WriteBatcher<NewTask, TaskRecord?> _enqueues;
    private readonly WriteBatcher<(string Id, long Fence, string Result), FinishOutcome> _completions;

    protected SqlTaskStore(Database database, TimeProvider time)
    {
        Database = database;
        _time = time;
        _enqueues = new(EnqueueBatchAsync, IsItemError);
        _completions = new(CompleteBatchAsync, IsItemError);
    }

    private protected Database Database { get; }

    protected const string Columns = "id, task_type, payload, priority, status, attempts, max_attempts, fence, run_after, lease_owner, "
        + "lease_expires_at, cancel_requested, result, last_error, created_at, updated_at, completed_at";

    /// <summary>
    /// The event row of a change: its type and data as SQL over <c>changed</c>, numbered by the task's event counter,
    /// which every change statement increments on the row it updates. (Not MAX(seq) + 1: on PostgreSQL a statement
    /// that waited for another's row lock re-reads the row but not task_events, and would reuse a number.)
    /// </summary>
    private protected static string EventInsert(Change change) =>
        "INSERT INTO task_events (task_id, seq, event_type, data, created_at) SELECT changed.id, "
        + "changed.event_seq, "
        + $"{change.EventType}, {change.EventData}, @now";

    // Batched (see WriteBatcher): {rows} is the provider's row source over the JSON array parameter @batch.
    private static readonly Change Enqueue = new(
        "INSERT INTO tasks (id, task_type, payload, priority, status, attempts, max_attempts, fence, run_after, cancel_requested, "
        + "idempotency_key, created_at, updated_at, event_seq) SELECT b.b_id, b.b_type, b.b_payload, b.b_priority, 'queued', 0, b.b_max, 0, @now, "
        + "FALSE, b.b_key, @now, @now, 1 FROM {rows} WHERE TRUE ORDER BY b.b_key ON CONFLICT (idempotency_key) DO NOTHING",
        "'queued'", "NULL", "b_id text, b_type text, b_payload text, b_priority integer, b_max integer, b_key text", wakes: true);

    private static readonly Change Complete = new(
        "UPDATE tasks SET event_seq = event_seq + 1, status = 'completed', result = b.b_result, lease_owner = NULL, lease_expires_at = NULL, "
        + "completed_at = @now, updated_at = @now FROM {rows} WHERE tasks.id = b.b_id AND tasks.fence = b.b_fence AND tasks.status = 'running'",
        "'completed'", "NULL", "b_id text, b_fence bigint, b_result text");

    private static readonly Change Fail = new(
        "UPDATE tasks SET event_seq = event_seq + 1, status = CASE WHEN attempts >= max_attempts OR @final THEN 'failed' ELSE 'queued' END, "
        + "run_after = @retryAt, last_error = @error, lease_owner = NULL, lease_expires_at = NULL, "
        + "completed_at = CASE WHEN attempts >= max_attempts OR @final THEN @now ELSE NULL END, updated_at = @now "
        + "WHERE id = @id AND fence = @fence AND status = 'running'",
        "CASE WHEN changed.status = 'failed' THEN 'failed' ELSE 'retrying' END", "@errorEvent");

    private static readonly Change Release = new(
        "UPDATE tasks SET event_seq = event_seq + 1, status = 'queued', attempts = attempts - 1, run_after = @now, lease_owner = NULL, "
        + "lease_expires_at = NULL, updated_at = @now WHERE id = @id AND fence = @fence AND status = 'running'",
        "'released'", "NULL", wakes: true);

    private static readonly Change AcknowledgeCancel = new(
        "UPDATE tasks SET event_seq = event_seq + 1, status = 'cancelled', lease_owner = NULL, lease_expires_at = NULL, completed_at = @now, "
        + "updated_at = @now WHERE id = @id AND fence = @fence AND status = 'running'",
        "'cancelled'", "NULL");

    private static readonly Change CancelQueued = new(
        "UPDATE tasks SET event_seq = event_seq + 1, status = 'cancelled', completed_at = @now, updated_at = @now WHERE id = @id AND status = 'queued'",
        "'cancelled'", "NULL");

    private static readonly Change Rescue = new(
        "UPDATE tasks SET event_seq = event_seq + 1, status = CASE WHEN attempts >= max_attempts THEN 'failed' ELSE 'queued' END, "
        + "last_error = 'lease expired (worker lost)', lease_owner = NULL, lease_expires_at = NULL, run_after = @now, "
        + "completed_at = CASE WHEN attempts >= max_attempts THEN @now ELSE NULL END, updated_at = @now "
        + "WHERE status = 'running' AND lease_expires_at < @now",
        "CASE WHEN changed.status = 'failed' THEN 'failed' ELSE 'retrying' END", """'{"error":"lease expired (worker lost)"}'""", wakes: true);

    // Counting the event on the row serialises the events of one task (row lock) and drops stale writers.
    private static readonly Change Progress = new(
        "UPDATE tasks SET event_seq = event_seq + 1, updated_at = @now WHERE id = @id AND fence = @fence AND status = 'running'", "@eventType", "@eventData");

    private readonly ConcurrentDictionary<int, Change> _claims = new();

    /// <summary>
    /// The claim statement for at most <paramref name="max"/> tasks; it must select due queued rows in priority order
    /// and skip rows locked by others. The limit is a literal, not a parameter: PostgreSQL's generic plan for
    /// <c>LIMIT $n</c> assumes a tenth of the table and would make it re-plan every claim.
    /// </summary>
    protected abstract string ClaimSql(int max);

    /// <summary>A row source named <c>b</c> with the given columns ("name type, ...") over the JSON array parameter <c>@batch</c>.</summary>
    private protected abstract string BatchRows(string columns);

    /// <summary>The change's statement with its batch row source in place.</summary>
    private protected string Resolve(Change change) =>
        change.BatchColumns is null ? change.Statement : change.Statement.Replace("{rows}", BatchRows(change.BatchColumns), StringComparison.Ordinal);

    /// <summary>
    /// Whether a failed batch is worth retrying item by item: the database rejected the statement for its rows (bad
    /// data, a limit, a deadlock with another batch), or one item could not be serialised, rather than an outage.
    /// </summary>
    private protected abstract bool IsItemError(Exception exception);

    /// <summary>
    /// Runs the change's statement (an INSERT or UPDATE without RETURNING) and, atomically with it, one event row per
    /// task it changed; returns those tasks as they are after the change. A parameter <c>@now</c> is required.
    /// </summary>
    private protected abstract Task<IReadOnlyList<TaskRecord>> ChangeAsync(Change change, CancellationToken cancellationToken,
        params (string Name, object? Value)[] parameters);

    public async Task<EnqueueResult> EnqueueAsync(NewTask task, CancellationToken cancellationToken) =>
        await _enqueues.WriteAsync(task, cancellationToken).ConfigureAwait(false) is { } created
            ? new(EnqueueOutcome.Created, created)
            : await SameKeyAsync(task).ConfigureAwait(false);

    /// <summary>Inserts the batch; an item comes back null when its idempotency key was taken (the caller looks it up).</summary>
    private async Task<IReadOnlyList<TaskRecord?>> EnqueueBatchAsync(IReadOnlyList<NewTask> tasks)
    {
        // Version 7 ids sort by time but not within a millisecond: sorted and handed out in arrival order, they keep
        // the claim order (priority, created_at, id) the order of arrival.
        var ids = new string[tasks.Count];
        for (var i = 0; i < ids.Length; i++)
        {
            ids[i] = Guid.CreateVersion7().ToString("N");
        }

        Array.Sort(ids, StringComparer.Ordinal);
        var batch = BatchJson(tasks, (writer, task, i) =>
        {
            writer.WriteString("b_id", ids[i]);
            writer.WriteString("b_type", task.TaskType);
            writer.WriteString("b_payload", task.Payload);
            writer.WriteNumber("b_priority", task.Priority);
            writer.WriteNumber("b_max", task.MaxAttempts);
            writer.WriteString("b_key", task.IdempotencyKey);
        });
        var inserted = (await ChangeAsync(Enqueue, CancellationToken.None, ("now", Now()), ("batch", batch)).ConfigureAwait(false)).ToDictionary(t => t.Id);
        return [.. ids.Select(id => inserted.GetValueOrDefault(id))];
    }

    /// <summary>
    /// Only the idempotency key can conflict: a request with the same key came first (or committed while this one
    /// waited on it); answer with its task. The same key with a different body is a client error (409), never a
    /// silent second task.
    /// </summary>
    private async Task<EnqueueResult> SameKeyAsync(NewTask task)
    {
        var existing = await FindByKeyAsync(task.IdempotencyKey!, CancellationToken.None).ConfigureAwait(false)
            ?? throw new InvalidOperationException("an enqueue conflicted on its idempotency key, but no task holds it");
        return new(existing.Payload == task.Payload && existing.TaskType == task.TaskType ? EnqueueOutcome.Existing : EnqueueOutcome.KeyConflict, existing);
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

    public Task<IReadOnlyList<TaskRecord>> ClaimAsync(string worker, int max, TimeSpan lease, CancellationToken cancellationToken)
    {
        var now = Now();
        var claim = _claims.GetOrAdd(max, m => new(ClaimSql(m), "'started'", """'{"attempt":' || changed.attempts || ',"worker":' || @workerJson || '}'"""));
        return ChangeAsync(claim, cancellationToken, ("worker", worker), ("expires", now + (long)lease.TotalMilliseconds), ("now", now),
            ("workerJson", $"\"{Escape(worker)}\""));
    }

    public async Task<HeartbeatResult> HeartbeatAsync(string id, long fence, TimeSpan lease, CancellationToken cancellationToken)
    {
        var now = Now();
        await using var connection = await Database.OpenAsync(cancellationToken).ConfigureAwait(false);
        var rows = await ReadAsync(connection, null,
            $"UPDATE tasks SET lease_expires_at = @expires, updated_at = @now WHERE id = @id AND fence = @fence AND status = 'running' RETURNING {Columns}",
            cancellationToken, ("expires", now + (long)lease.TotalMilliseconds), ("now", now), ("id", id), ("fence", fence)).ConfigureAwait(false);
        return rows.Count == 0 ? HeartbeatResult.Stale : rows[0].CancelRequested ? HeartbeatResult.CancelRequested : HeartbeatResult.Extended;
    }

    public Task<FinishOutcome> CompleteAsync(string id, long fence, string result, CancellationToken cancellationToken) =>
        _completions.WriteAsync((id, fence, result), cancellationToken);

    private async Task<IReadOnlyList<FinishOutcome>> CompleteBatchAsync(IReadOnlyList<(string Id, long Fence, string Result)> completions)
    {
        var batch = BatchJson(completions, (writer, completion, _) =>
        {
            writer.WriteString("b_id", completion.Id);
            writer.WriteNumber("b_fence", completion.Fence);
            writer.WriteString("b_result", completion.Result);
        });
        var done = (await ChangeAsync(Complete, CancellationToken.None, ("now", Now()), ("batch", batch)).ConfigureAwait(false))
            .Select(t => (t.Id, t.Fence)).ToHashSet();
        return [.. completions.Select(c => done.Contains((c.Id, c.Fence)) ? FinishOutcome.Done : FinishOutcome.Stale)];
    }

    public Task<FinishOutcome> FailAsync(string id, long fence, string error, TimeSpan retryDelay, bool retryable, CancellationToken cancellationToken) =>
        FinishAsync(Fail, id, fence, cancellationToken, ("retryAt", Now() + (long)retryDelay.TotalMilliseconds), ("error", error),
            ("final", !retryable), ("errorEvent", $$"""{"error":"{{Escape(error)}}"}"""));

    public Task<FinishOutcome> ReleaseAsync(string id, long fence, CancellationToken cancellationToken) =>
        FinishAsync(Release, id, fence, cancellationToken);

    public Task<FinishOutcome> AcknowledgeCancelAsync(string id, long fence, CancellationToken cancellationToken) =>
        FinishAsync(AcknowledgeCancel, id, fence, cancellationToken);

    public async Task<CancelOutcome> CancelAsync(string id, CancellationToken cancellationToken)
    {
        // Each step is atomic on its own; a task that changes state between the steps (claimed, or released on a
        // shutdown) is simply looked at again.
        for (var round = 0; ; round++)
        {
            if ((await ChangeAsync(CancelQueued, cancellationToken, ("now", Now()), ("id", id)).ConfigureAwait(false)).Count == 1)
            {
                return CancelOutcome.Cancelled;
            }

            await using var connection = await Database.OpenAsync(cancellationToken).ConfigureAwait(false);
            var requested = await ReadAsync(connection, null,
                $"UPDATE tasks SET cancel_requested = @true, updated_at = @now WHERE id = @id AND status = 'running' RETURNING {Columns}",
                cancellationToken, ("true", true), ("now", Now()), ("id", id)).ConfigureAwait(false);
            if (requested.Count == 1)
            {
                return CancelOutcome.Requested;
            }

            var task = await ReadAsync(connection, null, $"SELECT {Columns} FROM tasks WHERE id = @id", cancellationToken, ("id", id)).ConfigureAwait(false);
            if (task.Count == 0)
            {
                return CancelOutcome.NotFound;
            }

            if (TaskStatus.IsTerminal(task[0].Status) || round == 3)
            {
                return CancelOutcome.AlreadyFinished;
            }
        }
    }

    public async Task<int> RescueExpiredAsync(CancellationToken cancellationToken) =>
        (await ChangeAsync(Rescue, cancellationToken, ("now", Now())).ConfigureAwait(false)).Count;

    public Task AddEventAsync(string id, long fence, string eventType, string? data, CancellationToken cancellationToken) =>
        ChangeAsync(Progress, cancellationToken, ("now", Now()), ("id", id), ("fence", fence), ("eventType", eventType), ("eventData", data));

    public async Task<IReadOnlyList<TaskEventRecord>> EventsAsync(string id, int afterSeq, CancellationToken cancellationToken)
    {
        await using var connection = await Database.OpenAsync(cancellationToken).ConfigureAwait(false);
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

    private async Task<TaskRecord?> FindByKeyAsync(string key, CancellationToken cancellationToken)
    {
        var rows = await QueryAsync($"SELECT {Columns} FROM tasks WHERE idempotency_key = @key", cancellationToken, ("key", key)).ConfigureAwait(false);
        return rows.Count == 0 ? null : rows[0];
    }

    private async Task<FinishOutcome> FinishAsync(Change change, string id, long fence, CancellationToken cancellationToken,
        params (string Name, object? Value)[] extra)
    {
        var changed = await ChangeAsync(change, cancellationToken, [("now", Now()), ("id", id), ("fence", fence), .. extra]).ConfigureAwait(false);
        return changed.Count == 0 ? FinishOutcome.Stale
            : changed[0].Status == TaskStatus.Failed ? FinishOutcome.DeadLettered
            : changed[0].Status == TaskStatus.Queued && change == Fail ? FinishOutcome.Retrying
            : FinishOutcome.Done;
    }

    private async Task<IReadOnlyList<TaskRecord>> QueryAsync(string sql, CancellationToken cancellationToken, params (string Name, object? Value)[] parameters)
    {
        await using var connection = await Database.OpenAsync(cancellationToken).ConfigureAwait(false);
        return await ReadAsync(connection, null, sql, cancellationToken, parameters).ConfigureAwait(false);
    }

    private async Task<long> ScalarAsync(string sql, CancellationToken cancellationToken, params (string Name, object? Value)[] parameters)
    {
        await using var connection = await Database.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var command = Command(connection, null, sql, parameters);
        return Convert.ToInt64(await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false), System.Globalization.CultureInfo.InvariantCulture);
    }

    private protected static async Task<IReadOnlyList<TaskRecord>> ReadAsync(DbConnection connection, DbTransaction? transaction, string sql,
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

    private protected static async Task ExecuteAsync(DbConnection connection, DbTransaction transaction, string sql, CancellationToken cancellationToken,
        params (string Name, object? Value)[] parameters)
    {
        await using var command = Command(connection, transaction, sql, parameters);
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

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

    private static string BatchJson<T>(IReadOnlyList<T> items, Action<System.Text.Json.Utf8JsonWriter, T, int> write)
    {
        var buffer = new System.Buffers.ArrayBufferWriter<byte>(256 * items.Count);
        using (var writer = new System.Text.Json.Utf8JsonWriter(buffer))
        {
            writer.WriteStartArray();
            for (var i = 0; i < items.Count; i++)
            {
                writer.WriteStartObject();
                write(writer, items[i], i);
                writer.WriteEndObject();
            }

            writer.WriteEndArray();
        }

        return System.Text.Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    private static string Escape(string text) => System.Text.Json.JsonEncodedText.Encode(text).ToString();

    private static DateTimeOffset Time(long unixMilliseconds) => DateTimeOffset.FromUnixTimeMilliseconds(unixMilliseconds);

    private long Now() => _time.GetUtcNow().ToUnixTimeMilliseconds();

    /// <summary>
    /// A state change of the queue: the statement (INSERT or UPDATE, no RETURNING) and its event, whose type and data
    /// are SQL expressions over the changed row (<c>changed</c>).
    /// </summary>
    private protected sealed class Change(string statement, string eventType, string eventData, string? batchColumns = null, bool wakes = false)
    {
        /// <summary>The change makes tasks due now: other replicas' idle workers should look (PostgreSQL NOTIFY).</summary>
        public bool Wakes { get; } = wakes;

        public string Statement { get; } = statement;

        public string EventType { get; } = eventType;

        public string EventData { get; } = eventData;

        /// <summary>For a batched change: the columns of its <c>{rows}</c> source.</summary>
        public string? BatchColumns { get; } = batchColumns;
    }
}
