using SutazAi.Gateway.Protocol.Ollama;

namespace SutazAi.Gateway.Upstreams;

/// <summary>
/// The merged model list every surface shows (/v1/models, /api/tags, /api/v1/models), answered from the
/// servers' cached catalogs (see <see cref="UpstreamPool.EnsureCatalogsAsync"/>), followed by the agents as
/// "agent:&lt;name&gt;" models.
/// </summary>
internal sealed partial class ModelDirectory(UpstreamPool pool, Storage.Agents.AgentStore agents, ILogger<ModelDirectory> logger)
{
    private const int MaxAgentModels = 1000;

    public async ValueTask<IReadOnlyList<OllamaModelEntry>> ListAsync(CancellationToken cancellationToken) =>
        [.. await ServerModelsAsync(cancellationToken).ConfigureAwait(false), .. await AgentModelsAsync(cancellationToken).ConfigureAwait(false)];

    /// <summary>
    /// Every agent as a model "agent:&lt;name&gt;", with the fields OpenWebUI reads from /api/tags. With the store away the
    /// servers' models are still listed: a model picker must not fail because agents cannot be read.
    /// </summary>
    private async ValueTask<IReadOnlyList<OllamaModelEntry>> AgentModelsAsync(CancellationToken cancellationToken)
    {
        try
        {
            var (items, _) = await agents.ListAsync(1, MaxAgentModels, cancellationToken).ConfigureAwait(false);
            return [.. items.OrderBy(a => a.Name, StringComparer.Ordinal).Select(a => new OllamaModelEntry
            {
                Name = Agents.AgentChat.Prefix + a.Name,
                Model = Agents.AgentChat.Prefix + a.Name,
                ModifiedAt = a.UpdatedAt.ToString("yyyy-MM-dd'T'HH:mm:ss.fffffff'Z'", System.Globalization.CultureInfo.InvariantCulture),
                Size = 0,
                Digest = "sha256:" + Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes($"{a.Id}:{a.UpdatedAt.ToUnixTimeMilliseconds()}"))),
                Details = AgentDetails,
            })];
        }
        catch (System.Data.Common.DbException e)
        {
            LogAgentsUnavailable(logger, e.GetType().Name);
            return [];
        }
    }

    private static readonly System.Text.Json.JsonElement AgentDetails = System.Text.Json.JsonDocument.Parse(
        """{"parent_model":"","format":"agent","family":"agent","families":["agent"],"parameter_size":"","quantization_level":""}""").RootElement.Clone();

    [LoggerMessage(Level = LogLevel.Warning, Message = "Agent models not listed: the store is unavailable ({Error})")]
    private static partial void LogAgentsUnavailable(ILogger logger, string error);

    private async ValueTask<IReadOnlyList<OllamaModelEntry>> ServerModelsAsync(CancellationToken cancellationToken)
    {
        await pool.EnsureCatalogsAsync(cancellationToken).ConfigureAwait(false);

        var merged = new Dictionary<string, OllamaModelEntry>(StringComparer.Ordinal);
        foreach (var server in pool.Servers)
        {
            foreach (var entry in server.Catalog?.Entries ?? [])
            {
                var key = ModelName.Normalize(entry.Name);
                if (!merged.TryGetValue(key, out var existing) || string.CompareOrdinal(entry.ModifiedAt, existing.ModifiedAt) > 0)
                {
                    merged[key] = entry;
                }
            }
        }

        return [.. merged.Values.OrderBy(e => e.Name, StringComparer.Ordinal)];
    }

    public async ValueTask<OllamaModelEntry?> FindAsync(string model, CancellationToken cancellationToken)
    {
        var key = ModelName.Normalize(model);
        var list = await ListAsync(cancellationToken).ConfigureAwait(false);
        var found = list.FirstOrDefault(e => ModelName.Normalize(e.Name) == key || ModelName.Normalize(e.Model) == key);
        if (found is null)
        {
            await pool.RefreshCatalogsAsync(cancellationToken).ConfigureAwait(false);
            list = await ListAsync(cancellationToken).ConfigureAwait(false);
            found = list.FirstOrDefault(e => ModelName.Normalize(e.Name) == key || ModelName.Normalize(e.Model) == key);
        }

        return found;
    }
}
