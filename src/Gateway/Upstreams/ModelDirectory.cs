using SutazAi.Gateway.Protocol.Ollama;

namespace SutazAi.Gateway.Upstreams;

/// <summary>
/// The merged model list every surface shows (/v1/models, /api/tags, /api/v1/models), answered from the
/// servers' cached catalogs (see <see cref="UpstreamPool.EnsureCatalogsAsync"/>).
/// </summary>
internal sealed class ModelDirectory(UpstreamPool pool)
{
    public async ValueTask<IReadOnlyList<OllamaModelEntry>> ListAsync(CancellationToken cancellationToken)
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
