namespace SutazAi.Gateway.Caching;

internal sealed record CacheKeyInfo(string Key, int Bytes, DateTimeOffset CreatedAt, DateTimeOffset ExpiresAt);
