using System.Collections.Frozen;
using Polly;
using Polly.CircuitBreaker;
using SutazAi.Gateway.Protocol.Ollama;

namespace SutazAi.Gateway.Upstreams;

/// <summary>One Ollama server: its circuit breaker, its model catalog and what health polling last saw.</summary>
internal sealed class OllamaServer
{
    private int _outstanding;
    private long _openedCount;

    public OllamaServer(int index, Uri baseUri, ResiliencePipeline breaker, CircuitBreakerStateProvider state)
    {
        Index = index;
        BaseUri = baseUri;
        Name = $"ollama-{index}";
        Breaker = breaker;
        BreakerState = state;
    }

    public int Index { get; }

    /// <summary>Internal only (logs, config): never in a client-facing body.</summary>
    public Uri BaseUri { get; }

    /// <summary>The label used in metrics and health answers.</summary>
    public string Name { get; }

    public ResiliencePipeline Breaker { get; }

    public CircuitBreakerStateProvider BreakerState { get; }

    public int Outstanding => Volatile.Read(ref _outstanding);

    public long OpenedCount => Interlocked.Read(ref _openedCount);

    /// <summary>Null until the first successful /api/tags; afterwards the last good list.</summary>
    public ModelCatalog? Catalog { get; set; }

    public bool Healthy { get; set; }

    public string? Version { get; set; }

    public double? LatencyMs { get; set; }

    public DateTimeOffset? LastChecked { get; set; }

    public DateTimeOffset? LastFailureAt { get; set; }

    public DateTimeOffset TagsFetchedAt { get; set; } = DateTimeOffset.MinValue;

    public bool HasModel(string normalizedModel) => Catalog?.Contains(normalizedModel) ?? true;

    public void Enter() => Interlocked.Increment(ref _outstanding);

    public void Leave() => Interlocked.Decrement(ref _outstanding);

    public void Opened() => Interlocked.Increment(ref _openedCount);
}

/// <summary>An immutable snapshot of one server's /api/tags.</summary>
internal sealed class ModelCatalog
{
    private readonly FrozenSet<string> _names;

    public ModelCatalog(IReadOnlyList<OllamaModelEntry> entries)
    {
        Entries = Valid(entries);
        _names = Entries.SelectMany(e => new[] { ModelName.Normalize(e.Name), ModelName.Normalize(e.Model) })
            .Where(n => n.Length > 0)
            .ToFrozenSet(StringComparer.Ordinal);
    }

    public IReadOnlyList<OllamaModelEntry> Entries { get; }

    public bool Contains(string normalizedModel) => _names.Contains(normalizedModel);

    /// <summary>
    /// Entries as a client may see them: a missing name falls back to the model field and vice versa; an entry
    /// with neither, or with a name the gateway would refuse in a request, is left out.
    /// </summary>
    public static IReadOnlyList<OllamaModelEntry> Valid(IEnumerable<OllamaModelEntry?> entries)
    {
        var valid = new List<OllamaModelEntry>();
        foreach (var entry in entries)
        {
            var name = string.IsNullOrEmpty(entry?.Name) ? entry?.Model : entry.Name;
            if (entry is null || string.IsNullOrEmpty(name) || !ModelName.IsValid(name))
            {
                continue;
            }

            entry.Name = name;
            entry.Model = string.IsNullOrEmpty(entry.Model) ? name : entry.Model;
            valid.Add(entry);
        }

        return valid;
    }
}
