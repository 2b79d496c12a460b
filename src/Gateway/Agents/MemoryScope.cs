using System.Text.Json;
using SutazAi.Agents.Runtime;
using SutazAi.Gateway.Errors;
using SutazAi.Gateway.Vectors;
using SutazAi.Plugins.Memory;

namespace SutazAi.Gateway.Agents;

/// <summary>memory_search / memory_save's view of vector memory: one owner's memories of one agent.</summary>
internal sealed class MemoryScope(VectorMemory memory, ToolScope scope) : IMemoryScope
{
    public async Task<IReadOnlyList<MemoryItem>> SearchAsync(string query, int limit, CancellationToken cancellationToken)
    {
        try
        {
            var matches = await memory.RecallAsync(scope.Owner, scope.AgentId, query, limit, cancellationToken).ConfigureAwait(false);
            return [.. matches.Select(m => new MemoryItem(m.Id, Text(m, "text") ?? "", Math.Round(m.Score, 4), Text(m, "created_at")))];
        }
        catch (GatewayException e)
        {
            throw Unavailable(e);
        }
    }

    public async Task<string> SaveAsync(string text, CancellationToken cancellationToken)
    {
        try
        {
            return await memory.RememberAsync(scope.Owner, scope.AgentId, text, cancellationToken).ConfigureAwait(false);
        }
        catch (GatewayException e)
        {
            throw Unavailable(e);
        }
    }

    /// <summary>RELIABILITY.md ST-03: the vector store or the embedding model is down; the model is told, the run goes on.</summary>
    internal static ToolException Unavailable(GatewayException e) => new($"memory_unavailable: {e.Message}");

    private static string? Text(VectorMatch match, string key) =>
        match.Payload.TryGetValue(key, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;
}
