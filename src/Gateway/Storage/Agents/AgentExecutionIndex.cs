using System.Globalization;

namespace SutazAi.Gateway.Storage.Agents;

/// <summary>The link from an agent to its executions (agent_run tasks), and the per-agent summary read from the tasks table.</summary>
internal sealed class AgentExecutionIndex(Database database, TimeProvider time)
{
    private const int ActiveShown = 20;

    public async Task AddAsync(string agentId, string executionId, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var command = connection.CreateCommand();
        command.CommandText = "INSERT INTO agent_executions (agent_id, execution_id, created_at) VALUES (@agent, @execution, @now) "
            + "ON CONFLICT (agent_id, execution_id) DO NOTHING";
        Db.Add(command, "agent", agentId);
        Db.Add(command, "execution", executionId);
        Db.Add(command, "now", time.GetUtcNow().ToUnixTimeMilliseconds());
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    public async Task<AgentExecutionSummary> SummaryAsync(string agentId, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        var counts = new Dictionary<string, long>(StringComparer.Ordinal);
        await using (var command = connection.CreateCommand())
        {
            command.CommandText = "SELECT t.status, COUNT(*) FROM agent_executions e JOIN tasks t ON t.id = e.execution_id WHERE e.agent_id = @agent GROUP BY t.status";
            Db.Add(command, "agent", agentId);
            await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                counts[reader.GetString(0)] = Convert.ToInt64(reader.GetValue(1), CultureInfo.InvariantCulture);
            }
        }

        var active = new List<string>();
        string? latest = null;
        await using (var command = connection.CreateCommand())
        {
            command.CommandText = "SELECT e.execution_id, t.status FROM agent_executions e JOIN tasks t ON t.id = e.execution_id "
                + $"WHERE e.agent_id = @agent ORDER BY e.created_at DESC, e.execution_id DESC LIMIT {ActiveShown + 1}";
            Db.Add(command, "agent", agentId);
            await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                latest ??= reader.GetString(0);
                if (reader.GetString(1) is "queued" or "running" && active.Count < ActiveShown)
                {
                    active.Add(reader.GetString(0));
                }
            }
        }

        return new AgentExecutionSummary(counts, active, latest);
    }
}
