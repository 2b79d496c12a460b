using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Options;
using SutazAi.Gateway.Hosting;
using SutazAi.Gateway.Storage.Auth;

namespace SutazAi.Gateway.Auth;

/// <summary>
/// Checks presented API keys: the deployment's bootstrap admin key (compared in constant time, never stored), or a
/// stored key found by its id and checked against its secret's hash in constant time. What a replica read about a key
/// is trusted for <see cref="AuthOptions.KeyCacheTtl"/>, so a revocation on any replica holds everywhere within it.
/// </summary>
internal sealed class ApiKeyAuthenticator(ApiKeyStore store, IOptions<AuthOptions> options, TimeProvider time)
{
    public const string BootstrapId = "bootstrap";
    private const int MaxCached = 100_000;
    private readonly ConcurrentDictionary<string, (ApiKeyRecord Key, DateTimeOffset ReadAt)> _cache = new(StringComparer.Ordinal);
    private readonly byte[]? _bootstrap = options.Value.BootstrapAdminKey is { Length: > 0 } key ? SHA256.HashData(Encoding.UTF8.GetBytes(key)) : null;

    /// <summary>The active key behind <paramref name="presented"/>, or null.</summary>
    public async Task<ApiKeyRecord?> AuthenticateAsync(string presented, CancellationToken cancellationToken)
    {
        if (ApiKeySecrets.TryParse(presented, out var id, out var secret))
        {
            var key = await FindAsync(id, cancellationToken).ConfigureAwait(false);
            return key is not null && key.IsActive(time.GetUtcNow()) && ApiKeySecrets.Matches(key.SecretHash, secret) ? key : null;
        }

        return _bootstrap is not null && CryptographicOperations.FixedTimeEquals(_bootstrap, SHA256.HashData(Encoding.UTF8.GetBytes(presented)))
            ? Bootstrap(time.GetUtcNow())
            : null;
    }

    /// <summary>The key by id, active or not (for tokens issued from it), through the cache.</summary>
    public async Task<ApiKeyRecord?> FindAsync(string id, CancellationToken cancellationToken)
    {
        if (id == BootstrapId)
        {
            return _bootstrap is null ? null : Bootstrap(time.GetUtcNow());
        }

        var now = time.GetUtcNow();
        if (_cache.TryGetValue(id, out var cached) && now - cached.ReadAt < options.Value.KeyCacheTtl)
        {
            return cached.Key;
        }

        var key = await store.FindAsync(id, cancellationToken).ConfigureAwait(false);

        // Only keys that exist are remembered (made-up ids would grow the cache without bound), and the cache is
        // bounded by the number of real keys, dropped wholesale in the unlikely case that it passes MaxCached.
        if (key is not null)
        {
            if (_cache.Count >= MaxCached)
            {
                _cache.Clear();
            }

            _cache[id] = (key, now);
        }

        return key;
    }

    /// <summary>This replica's own revocations take effect at once; the others' within the cache lifetime.</summary>
    public void Forget(string id) => _cache.TryRemove(id, out _);

    private static ApiKeyRecord Bootstrap(DateTimeOffset now) =>
        new(BootstrapId, "bootstrap admin (Auth:BootstrapAdminKey)", [], Roles.Admin, null, null, null, null, null, null, false, null, null, now);
}
