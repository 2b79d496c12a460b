namespace SutazAi.Gateway.Caching;

/// <summary>Where cached answers live: in this process, or in Redis shared by every replica.</summary>
internal interface ICacheBackend
{
    string Name { get; }

    /// <summary>The value, or null; counts the hit or miss where the statistics live.</summary>
    Task<byte[]?> GetAsync(string key, CancellationToken cancellationToken);

    Task SetAsync(string key, byte[] value, TimeSpan ttl, CancellationToken cancellationToken);

    Task<int> ClearAsync(string pattern, CancellationToken cancellationToken);

    Task<IReadOnlyList<CacheKeyInfo>> KeysAsync(CancellationToken cancellationToken);

    Task<CacheStatistics> StatisticsAsync(CancellationToken cancellationToken);
}
