namespace SutazAi.Gateway.Caching;

internal sealed record CacheStatistics(long Hits, long Misses, double HitRate, int Keys, long MemoryBytes, double AverageTtlSeconds);
