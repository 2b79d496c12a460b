using System.Data.Common;
using System.Globalization;
using System.Text.Json;
using SutazAi.Gateway.Auth;

namespace SutazAi.Gateway.Storage.Auth;

/// <summary>API keys in the store (the same statements on PostgreSQL and SQLite).</summary>
internal sealed class ApiKeyStore(Database database)
{
    private const string Columns = "id, name, secret_hash, role, rpm, tpm, max_concurrent_streams, token_budget, budget_period, models, trusted, expires_at, revoked_at, created_at";

    /// <summary>Inserts the key; false when its id exists (the fixed id of the first-start key makes that start-once across replicas).</summary>
    public async Task<bool> InsertAsync(ApiKeyRecord key, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var command = connection.CreateCommand();
        command.CommandText = $"INSERT INTO api_keys ({Columns}) VALUES (@id, @name, @hash, @role, @rpm, @tpm, @streams, @budget, @period, @models, @trusted, @expires, NULL, @created) "
            + "ON CONFLICT (id) DO NOTHING";
        Db.Add(command, "id", key.Id);
        Db.Add(command, "name", key.Name);
        Db.Add(command, "hash", key.SecretHash);
        Db.Add(command, "role", key.Role);
        Db.Add(command, "rpm", key.Rpm);
        Db.Add(command, "tpm", key.Tpm);
        Db.Add(command, "streams", key.MaxConcurrentStreams);
        Db.Add(command, "budget", key.TokenBudget);
        Db.Add(command, "period", key.BudgetPeriod);
        Db.Add(command, "models", key.Models is null ? null : JsonSerializer.Serialize(key.Models, AuthJson.Default.IReadOnlyListString));
        Db.Add(command, "trusted", key.Trusted ? 1 : 0);
        Db.Add(command, "expires", key.ExpiresAt?.ToUnixTimeMilliseconds());
        Db.Add(command, "created", key.CreatedAt.ToUnixTimeMilliseconds());
        return await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false) == 1;
    }

    public async Task<ApiKeyRecord?> FindAsync(string id, CancellationToken cancellationToken) =>
        (await QueryAsync($"SELECT {Columns} FROM api_keys WHERE id = @id", cancellationToken, ("id", id)).ConfigureAwait(false)).FirstOrDefault();

    public Task<List<ApiKeyRecord>> ListAsync(CancellationToken cancellationToken) =>
        QueryAsync($"SELECT {Columns} FROM api_keys ORDER BY created_at DESC, id DESC", cancellationToken);

    public async Task<bool> AnyAsync(CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT COUNT(*) FROM api_keys";
        return Convert.ToInt64(await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false), CultureInfo.InvariantCulture) > 0;
    }

    /// <summary>Marks the key revoked; false when there is no such key or it was revoked already.</summary>
    public async Task<bool> RevokeAsync(string id, DateTimeOffset now, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var command = connection.CreateCommand();
        command.CommandText = "UPDATE api_keys SET revoked_at = @now WHERE id = @id AND revoked_at IS NULL";
        Db.Add(command, "id", id);
        Db.Add(command, "now", now.ToUnixTimeMilliseconds());
        return await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false) == 1;
    }

    private async Task<List<ApiKeyRecord>> QueryAsync(string sql, CancellationToken cancellationToken, params (string Name, object? Value)[] parameters)
    {
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        foreach (var (name, value) in parameters)
        {
            Db.Add(command, name, value);
        }

        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        var rows = new List<ApiKeyRecord>();
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            rows.Add(Read(reader));
        }

        return rows;
    }

    private static ApiKeyRecord Read(DbDataReader r) => new(
        r.GetString(0), r.GetString(1), (byte[])r.GetValue(2), r.GetString(3),
        r.IsDBNull(4) ? null : r.GetInt32(4), r.IsDBNull(5) ? null : r.GetInt32(5), r.IsDBNull(6) ? null : r.GetInt32(6),
        Db.NullableInt64(r, 7), Db.NullableString(r, 8),
        r.IsDBNull(9) ? null : JsonSerializer.Deserialize(r.GetString(9), AuthJson.Default.IReadOnlyListString),
        r.GetInt32(10) != 0,
        Db.NullableInt64(r, 11) is { } expires ? DateTimeOffset.FromUnixTimeMilliseconds(expires) : null,
        Db.NullableInt64(r, 12) is { } revoked ? DateTimeOffset.FromUnixTimeMilliseconds(revoked) : null,
        DateTimeOffset.FromUnixTimeMilliseconds(r.GetInt64(13)));
}
