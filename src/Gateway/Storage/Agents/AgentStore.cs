using System.Data.Common;
using System.Text.Json;
using SutazAi.Gateway.Protocol.Sutaz;

namespace SutazAi.Gateway.Storage.Agents;

/// <summary>One stored agent: its id, unique name and definition document.</summary>
internal sealed record AgentRecord(string Id, string Name, AgentDefinition Definition, string Source, DateTimeOffset CreatedAt, DateTimeOffset UpdatedAt);

/// <summary>
/// Agent definitions in the store (PostgreSQL or SQLite: the statements are the same on both). Names are unique;
/// an agent is found by id or by name, since "agent:&lt;name&gt;" is how clients address it as a model.
/// </summary>
internal sealed class AgentStore(Database database, TimeProvider time)
{
    private const string Columns = "id, name, definition, source, created_at, updated_at";

    /// <summary>Stores a new agent; null when the name is taken.</summary>
    public async Task<AgentRecord?> CreateAsync(AgentDefinition definition, string source, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow().ToUnixTimeMilliseconds();
        var rows = await QueryAsync($"INSERT INTO agents ({Columns}) VALUES (@id, @name, @definition, @source, @now, @now) "
            + $"ON CONFLICT (name) DO NOTHING RETURNING {Columns}", cancellationToken,
            ("id", Guid.CreateVersion7().ToString("N")), ("name", definition.Name), ("definition", Serialize(definition)), ("source", source), ("now", now))
            .ConfigureAwait(false);
        return rows.Count == 1 ? rows[0] : null;
    }

    public async Task<AgentRecord?> FindAsync(string idOrName, CancellationToken cancellationToken)
    {
        var rows = await QueryAsync($"SELECT {Columns} FROM agents WHERE id = @key OR name = @key", cancellationToken, ("key", idOrName)).ConfigureAwait(false);
        return rows.FirstOrDefault(r => r.Id == idOrName) ?? rows.FirstOrDefault();
    }

    public async Task<(IReadOnlyList<AgentRecord> Items, long Total)> ListAsync(int page, int perPage, CancellationToken cancellationToken)
    {
        var items = await QueryAsync($"SELECT {Columns} FROM agents ORDER BY created_at DESC, id DESC LIMIT @limit OFFSET @offset", cancellationToken,
            ("limit", perPage), ("offset", (page - 1) * perPage)).ConfigureAwait(false);
        var total = await Db.CountAsync(database, "SELECT COUNT(*) FROM agents", cancellationToken).ConfigureAwait(false);
        return (items, total);
    }

    /// <summary>Replaces the definition; <see cref="UpdateOutcome.NameTaken"/> when it renames onto another agent's name.</summary>
    public async Task<(UpdateOutcome Outcome, AgentRecord? Agent)> UpdateAsync(string id, AgentDefinition definition, CancellationToken cancellationToken)
    {
        var rows = await QueryAsync($"UPDATE agents SET name = @name, definition = @definition, updated_at = @now WHERE id = @id "
            + $"AND NOT EXISTS (SELECT 1 FROM agents other WHERE other.name = @name AND other.id <> @id) RETURNING {Columns}", cancellationToken,
            ("id", id), ("name", definition.Name), ("definition", Serialize(definition)), ("now", time.GetUtcNow().ToUnixTimeMilliseconds()))
            .ConfigureAwait(false);
        if (rows.Count == 1)
        {
            return (UpdateOutcome.Updated, rows[0]);
        }

        return (await FindAsync(id, cancellationToken).ConfigureAwait(false) is null ? UpdateOutcome.NotFound : UpdateOutcome.NameTaken, null);
    }

    public async Task<bool> DeleteAsync(string id, CancellationToken cancellationToken) =>
        (await QueryAsync($"DELETE FROM agents WHERE id = @id RETURNING {Columns}", cancellationToken, ("id", id)).ConfigureAwait(false)).Count == 1;

    private Task<List<AgentRecord>> QueryAsync(string sql, CancellationToken cancellationToken, params (string Name, object? Value)[] parameters) =>
        Db.QueryAsync(database, sql, Read, cancellationToken, parameters);

    private static AgentRecord Read(DbDataReader reader) => new(
        reader.GetString(0), reader.GetString(1),
        JsonSerializer.Deserialize(reader.GetString(2), SutazJsonContext.Default.AgentDefinition)!,
        reader.GetString(3),
        DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(4)), DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(5)));

    private static string Serialize(AgentDefinition definition) => JsonSerializer.Serialize(definition, SutazJsonContext.Default.AgentDefinition);

    internal enum UpdateOutcome
    {
        Updated,
        NotFound,
        NameTaken,
    }
}
