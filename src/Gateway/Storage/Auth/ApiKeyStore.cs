using System.Data.Common;
using System.Text.Json;
using SutazAi.Gateway.Auth;

namespace SutazAi.Gateway.Storage.Auth;

/// <summary>API keys in the store (the same statements on PostgreSQL and SQLite).</summary>
internal sealed class ApiKeyStore(Database database)
{
    private const string Columns = "id, name, secret_hash, role, rpm, tpm, max_concurrent_streams, token_budget, budget_period, models, trusted, expires_at, revoked_at, created_at";

    /// <summary>Inserts the key; false when its id exists (the fixed id of the first-start key makes that start-once across replicas).</summary>
    public async Task<bool> InsertAsync(ApiKeyRecord key, CancellationToken cancellationToken) =>
        await Db.ExecuteAsync(database, $"INSERT INTO api_keys ({Columns}) VALUES (@id, @name, @hash, @role, @rpm, @tpm, @streams, @budget, @period, @models, @trusted, @expires, NULL, @created) "
            + "ON CONFLICT (id) DO NOTHING", cancellationToken,
            ("id", key.Id), ("name", key.Name), ("hash", key.SecretHash), ("role", key.Role), ("rpm", key.Rpm), ("tpm", key.Tpm),
            ("streams", key.MaxConcurrentStreams), ("budget", key.TokenBudget), ("period", key.BudgetPeriod),
            ("models", key.Models is null ? null : JsonSerializer.Serialize(key.Models, AuthJson.Default.IReadOnlyListString)),
            ("trusted", key.Trusted ? 1 : 0), ("expires", key.ExpiresAt?.ToUnixTimeMilliseconds()), ("created", key.CreatedAt.ToUnixTimeMilliseconds()))
            .ConfigureAwait(false) == 1;

    public async Task<ApiKeyRecord?> FindAsync(string id, CancellationToken cancellationToken) =>
        (await QueryAsync($"SELECT {Columns} FROM api_keys WHERE id = @id", cancellationToken, ("id", id)).ConfigureAwait(false)).FirstOrDefault();

    public Task<List<ApiKeyRecord>> ListAsync(CancellationToken cancellationToken) =>
        QueryAsync($"SELECT {Columns} FROM api_keys ORDER BY created_at DESC, id DESC", cancellationToken);

    public async Task<bool> AnyAsync(CancellationToken cancellationToken) =>
        await Db.CountAsync(database, "SELECT COUNT(*) FROM api_keys", cancellationToken).ConfigureAwait(false) > 0;

    /// <summary>Marks the key revoked; false when there is no such key or it was revoked already.</summary>
    public async Task<bool> RevokeAsync(string id, DateTimeOffset now, CancellationToken cancellationToken) =>
        await Db.ExecuteAsync(database, "UPDATE api_keys SET revoked_at = @now WHERE id = @id AND revoked_at IS NULL", cancellationToken,
            ("id", id), ("now", now.ToUnixTimeMilliseconds())).ConfigureAwait(false) == 1;

    private Task<List<ApiKeyRecord>> QueryAsync(string sql, CancellationToken cancellationToken, params (string Name, object? Value)[] parameters) =>
        Db.QueryAsync(database, sql, Read, cancellationToken, parameters);

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
