using StackExchange.Redis;

namespace SutazAi.Gateway.Caching;

/// <summary>
/// Cached answers in Redis (StackExchange.Redis 1.2.6), shared by every replica: keys under one prefix with a
/// TTL, hits and misses counted in one hash by the same Lua script that reads the value (one round trip).
/// </summary>
internal sealed class RedisCacheBackend : ICacheBackend, IDisposable
{
    private const string Prefix = "sutazai:cache:";
    private const string StatsKey = "sutazai:cache-stats";
    private const string GetScript = """
        local v = redis.call('GET', KEYS[1])
        if v then redis.call('HINCRBY', KEYS[2], 'hits', 1) else redis.call('HINCRBY', KEYS[2], 'misses', 1) end
        return v
        """;

    private readonly Lazy<Task<ConnectionMultiplexer>> _connection;

    public RedisCacheBackend(string configuration, TimeSpan timeout)
    {
        Timeout = timeout;
        var options = ConfigurationOptions.Parse(configuration);
        options.AbortOnConnectFail = false;
        options.ConnectTimeout = (int)timeout.TotalMilliseconds;
        options.SyncTimeout = (int)timeout.TotalMilliseconds;
        _connection = new Lazy<Task<ConnectionMultiplexer>>(() => ConnectionMultiplexer.ConnectAsync(options));
    }

    public string Name => "redis";

    /// <summary>How long one operation may take before the in-process backend answers instead.</summary>
    public TimeSpan Timeout { get; }

    public async Task<byte[]?> GetAsync(string key, CancellationToken cancellationToken)
    {
        var database = await DatabaseAsync().ConfigureAwait(false);
        var value = await database.ScriptEvaluateAsync(GetScript, [Prefix + key, StatsKey]).ConfigureAwait(false);
        return value.IsNull ? null : (byte[]?)value;
    }

    public async Task SetAsync(string key, byte[] value, TimeSpan ttl, CancellationToken cancellationToken) =>
        await (await DatabaseAsync().ConfigureAwait(false)).StringSetAsync(Prefix + key, value, ttl).ConfigureAwait(false);

    public async Task<int> ClearAsync(string pattern, CancellationToken cancellationToken)
    {
        var keys = await MatchingAsync(pattern).ConfigureAwait(false);
        if (keys.Count == 0)
        {
            return 0;
        }

        return (int)await (await DatabaseAsync().ConfigureAwait(false)).KeyDeleteAsync([.. keys]).ConfigureAwait(false);
    }

    public async Task<IReadOnlyList<CacheKeyInfo>> KeysAsync(CancellationToken cancellationToken)
    {
        var database = await DatabaseAsync().ConfigureAwait(false);
        var now = DateTimeOffset.UtcNow;
        var result = new List<CacheKeyInfo>();
        foreach (var key in await MatchingAsync("*").ConfigureAwait(false))
        {
            var ttl = await database.KeyTimeToLiveAsync(key).ConfigureAwait(false);
            var length = await database.StringLengthAsync(key).ConfigureAwait(false);
            if (ttl is { } left)
            {
                // Redis keeps no creation time; it is shown as unknown (the expiry is exact).
                result.Add(new CacheKeyInfo(((string)key!)[Prefix.Length..], (int)length, DateTimeOffset.MinValue, now + left));
            }
        }

        return [.. result.OrderBy(k => k.Key, StringComparer.Ordinal)];
    }

    public async Task<CacheStatistics> StatisticsAsync(CancellationToken cancellationToken)
    {
        var database = await DatabaseAsync().ConfigureAwait(false);
        var counters = (await database.HashGetAllAsync(StatsKey).ConfigureAwait(false)).ToDictionary(e => (string)e.Name!, e => (long)e.Value);
        var keys = await KeysAsync(cancellationToken).ConfigureAwait(false);
        var hits = counters.GetValueOrDefault("hits");
        var misses = counters.GetValueOrDefault("misses");
        var now = DateTimeOffset.UtcNow;
        return new CacheStatistics(hits, misses, hits + misses == 0 ? 0 : (double)hits / (hits + misses), keys.Count,
            keys.Sum(k => (long)k.Bytes), keys.Count == 0 ? 0 : keys.Average(k => (k.ExpiresAt - now).TotalSeconds));
    }

    public void Dispose()
    {
        if (_connection.IsValueCreated && _connection.Value.IsCompletedSuccessfully)
        {
            _connection.Value.Result.Dispose();
        }
    }

    private async Task<IDatabase> DatabaseAsync() => (await _connection.Value.ConfigureAwait(false)).GetDatabase();

    private async Task<List<RedisKey>> MatchingAsync(string pattern)
    {
        var connection = await _connection.Value.ConfigureAwait(false);
        var keys = new List<RedisKey>();
        foreach (var endpoint in connection.GetEndPoints())
        {
            var server = connection.GetServer(endpoint);
            if (server.IsConnected && !server.IsSlave)
            {
                // SCAN in pages; Redis's own glob syntax matches the cache's (only '*' is meaningful to callers).
                keys.AddRange(server.Keys(pattern: Prefix + pattern, pageSize: 500));
            }
        }

        return keys;
    }
}
