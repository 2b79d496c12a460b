using System.Collections.Concurrent;
using Microsoft.Extensions.Options;
using SutazAi.Gateway.Hosting;

namespace SutazAi.Gateway.Caching;

/// <summary>The in-process cache backend: the default, and the fallback while Redis is unreachable.</summary>
internal sealed class MemoryCacheBackend(IOptions<CacheOptions> options, TimeProvider time) : ICacheBackend
{
    private readonly ConcurrentDictionary<string, Entry> _entries = new(StringComparer.Ordinal);
    private readonly CacheOptions _options = options.Value;
    private long _hits;
    private long _misses;
    private long _bytes;

    public string Name => "memory";

    public Task<byte[]?> GetAsync(string key, CancellationToken cancellationToken)
    {
        if (_entries.TryGetValue(key, out var entry) && entry.ExpiresAt > time.GetUtcNow())
        {
            Interlocked.Increment(ref _hits);
            return Task.FromResult<byte[]?>(entry.Value);
        }

        Interlocked.Increment(ref _misses);
        return Task.FromResult<byte[]?>(null);
    }

    public Task SetAsync(string key, byte[] value, TimeSpan ttl, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var entry = new Entry(value, now, now + ttl);
        _entries.AddOrUpdate(key, _ => Added(entry), (_, old) => Replaced(old, entry));
        if (_entries.Count > _options.MaxEntries)
        {
            Evict(now);
        }

        return Task.CompletedTask;
    }

    public Task<int> ClearAsync(string pattern, CancellationToken cancellationToken)
    {
        var removed = 0;
        foreach (var key in _entries.Keys.Where(k => Matches(k, pattern)))
        {
            if (_entries.TryRemove(key, out var old))
            {
                Interlocked.Add(ref _bytes, -old.Value.Length);
                removed++;
            }
        }

        return Task.FromResult(removed);
    }

    public Task<IReadOnlyList<CacheKeyInfo>> KeysAsync(CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        return Task.FromResult<IReadOnlyList<CacheKeyInfo>>([.. _entries.Where(e => e.Value.ExpiresAt > now)
            .Select(e => new CacheKeyInfo(e.Key, e.Value.Value.Length, e.Value.CreatedAt, e.Value.ExpiresAt))
            .OrderBy(k => k.Key, StringComparer.Ordinal)]);
    }

    public Task<CacheStatistics> StatisticsAsync(CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var live = _entries.Values.Where(e => e.ExpiresAt > now).ToList();
        var hits = Interlocked.Read(ref _hits);
        var misses = Interlocked.Read(ref _misses);
        return Task.FromResult(new CacheStatistics(
            hits,
            misses,
            hits + misses == 0 ? 0 : (double)hits / (hits + misses),
            live.Count,
            Interlocked.Read(ref _bytes),
            live.Count == 0 ? 0 : live.Average(e => (e.ExpiresAt - now).TotalSeconds)));
    }

    internal static bool Matches(string key, string pattern)
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
