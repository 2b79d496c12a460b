using System.Text.Json;
using SutazAi.Gateway.Vectors;
using SutazAi.Plugins.Memory;

namespace SutazAi.Gateway.Agents;

/// <summary>memory_search / memory_save's view of vector memory: one owner's memories of one agent.</summary>
internal sealed class MemoryScope(VectorMemory memory, ToolScope scope) : IMemoryScope
{
    public async Task<IReadOnlyList<MemoryItem>> SearchAsync(string query, int limit, CancellationToken cancellationToken)
    {
        var matches = await memory.RecallAsync(scope.Owner, scope.AgentId, query, limit, cancellationToken).ConfigureAwait(false);
        return [.. matches.Select(m => new MemoryItem(m.Id, Text(m, "text") ?? "", Math.Round(m.Score, 4), Text(m, "created_at")))];
    }

    public Task<string> SaveAsync(string text, CancellationToken cancellationToken) => memory.RememberAsync(scope.Owner, scope.AgentId, text, cancellationToken);

    private static string? Text(VectorMatch match, string key) =>
        match.Payload.TryGetValue(key, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;
}
