using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text.Json;
using Microsoft.Extensions.Options;
using SutazAi.Gateway.Hosting;
using SutazAi.Gateway.Protocol.Ollama;

namespace SutazAi.Gateway.Caching;

/// <summary>
/// Exact-match cache of upstream answers, in process. The key is a hash of the gateway's canonical upstream request
/// (the re-serialised Ollama body, streaming flag removed), so the OpenAI, Ollama and SutazAI routes share entries;
/// the value is the upstream's own non-streamed answer (bytes), so every surface can render it, as a stream too.
/// </summary>
internal sealed class ResponseCache(IOptions<CacheOptions> options, TimeProvider time)
{
    private readonly ConcurrentDictionary<string, Entry> _entries = new(StringComparer.Ordinal);
    private readonly CacheOptions _options = options.Value;
    private long _hits;
    private long _misses;
    private long _bytes;

    /// <summary>The key of a chat request, or null when it is not cacheable (cache off, or sampling is random).</summary>
    public string? ChatKey(OllamaChatRequest request)
    {
        if (!_options.Enabled)
        {
            return null;
        }

        if (_options.DeterministicOnly && !IsDeterministic(request.Options))
        {
            return null;
        }

        var streaming = request.Stream;
        request.Stream = null;
        try
        {
            return "chat:" + Hash(JsonSerializer.SerializeToUtf8Bytes(request, OllamaJsonContext.Default.OllamaChatRequest));
        }
        finally
        {
            request.Stream = streaming;
        }
    }

    /// <summary>Embeddings are deterministic for a given model and input.</summary>
    public string? EmbedKey(OllamaEmbedRequest request) =>
        _options.Enabled ? "embed:" + Hash(JsonSerializer.SerializeToUtf8Bytes(request, OllamaJsonContext.Default.OllamaEmbedRequest)) : null;

    public byte[]? Get(string? key)
    {
        if (key is null)
        {
            return null;
        }

        if (_entries.TryGetValue(key, out var entry) && entry.ExpiresAt > time.GetUtcNow())
        {
            Interlocked.Increment(ref _hits);
            return entry.Value;
        }

        Interlocked.Increment(ref _misses);
        return null;
    }

    public void Set(string? key, byte[] value)
    {
        if (key is null || value.Length > _options.MaxEntryBytes)
        {
            return;
        }

        var now = time.GetUtcNow();
        var entry = new Entry(value, now, now + _options.Ttl);
        _entries.AddOrUpdate(key, _ => Added(entry), (_, old) => Replaced(old, entry));
        if (_entries.Count > _options.MaxEntries)
        {
            Evict(now);
        }
    }

    /// <summary>Removes the keys matching a glob (<c>*</c> any run of characters); null or "*" clears everything.</summary>
    public int Clear(string? pattern)
    {
        var removed = 0;
        foreach (var key in _entries.Keys.Where(k => Matches(k, pattern ?? "*")))
        {
            if (_entries.TryRemove(key, out var old))
            {
                Interlocked.Add(ref _bytes, -old.Value.Length);
                removed++;
            }
        }

        return removed;
    }

    public IReadOnlyList<CacheKeyInfo> Keys()
    {
        var now = time.GetUtcNow();
        return [.. _entries.Where(e => e.Value.ExpiresAt > now)
            .Select(e => new CacheKeyInfo(e.Key, e.Value.Value.Length, e.Value.CreatedAt, e.Value.ExpiresAt))
            .OrderBy(k => k.Key, StringComparer.Ordinal)];
    }

    public CacheStatistics Statistics()
    {
        var now = time.GetUtcNow();
        var live = _entries.Values.Where(e => e.ExpiresAt > now).ToList();
        var hits = Interlocked.Read(ref _hits);
        var misses = Interlocked.Read(ref _misses);
        return new CacheStatistics(
            hits,
            misses,
            hits + misses == 0 ? 0 : (double)hits / (hits + misses),
            live.Count,
            Interlocked.Read(ref _bytes),
            live.Count == 0 ? 0 : live.Average(e => (e.ExpiresAt - now).TotalSeconds));
    }

    private static bool IsDeterministic(Dictionary<string, JsonElement>? options) =>
        options is not null
        && ((options.TryGetValue("temperature", out var t) && t.ValueKind == JsonValueKind.Number && t.GetDouble() == 0)
            || (options.TryGetValue("seed", out var s) && s.ValueKind == JsonValueKind.Number));

    private static string Hash(byte[] canonical) => Convert.ToHexStringLower(SHA256.HashData(canonical));

    private static bool Matches(string key, string pattern)
    {
        var parts = pattern.Split('*');
        if (parts.Length == 1)
        {
            return key == pattern;
        }

        if (!key.StartsWith(parts[0], StringComparison.Ordinal) || !key.EndsWith(parts[^1], StringComparison.Ordinal))
        {
            return false;
        }

        var at = parts[0].Length;
        for (var i = 1; i < parts.Length - 1; i++)
        {
            var found = key.IndexOf(parts[i], at, StringComparison.Ordinal);
            if (found < 0)
            {
                return false;
            }

            at = found + parts[i].Length;
        }

        return at <= key.Length - parts[^1].Length;
    }

    private Entry Added(Entry entry)
    {
        Interlocked.Add(ref _bytes, entry.Value.Length);
        return entry;
    }

    private Entry Replaced(Entry old, Entry entry)
    {
        Interlocked.Add(ref _bytes, entry.Value.Length - old.Value.Length);
        return entry;
    }

    /// <summary>Over the cap: expired entries go first, then the oldest tenth.</summary>
    private void Evict(DateTimeOffset now)
    {
        var victims = _entries.Where(e => e.Value.ExpiresAt <= now).Select(e => e.Key).ToList();
        if (_entries.Count - victims.Count > _options.MaxEntries)
        {
            victims.AddRange(_entries.OrderBy(e => e.Value.CreatedAt).Take(Math.Max(1, _options.MaxEntries / 10)).Select(e => e.Key));
        }

        foreach (var key in victims)
        {
            if (_entries.TryRemove(key, out var old))
            {
                Interlocked.Add(ref _bytes, -old.Value.Length);
            }
        }
    }

    private sealed record Entry(byte[] Value, DateTimeOffset CreatedAt, DateTimeOffset ExpiresAt);
}
