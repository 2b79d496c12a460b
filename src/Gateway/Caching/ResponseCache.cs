using System.Security.Cryptography;
using System.Text.Json;
using Microsoft.Extensions.Options;
using SutazAi.Gateway.Hosting;
using SutazAi.Gateway.Protocol.Ollama;

namespace SutazAi.Gateway.Caching;

/// <summary>
/// Exact-match cache of upstream answers. The key is a hash of the gateway's canonical upstream request (the
/// re-serialised Ollama body, streaming flag removed), so the OpenAI, Ollama and SutazAI routes share entries; the
/// value is the upstream's own non-streamed answer (bytes), so every surface can render it, as a stream too.
/// Entries live in Redis when it is configured (shared by replicas) and in process otherwise; while Redis is
/// unreachable or slow the in-process backend stands in, so clients never see a cache error.
/// </summary>
internal sealed partial class ResponseCache(IOptions<CacheOptions> options, MemoryCacheBackend memory, RedisCacheBackend? redis,
    TimeProvider time, ILogger<ResponseCache> logger) : IDisposable
{
    private static readonly TimeSpan AdminTimeout = TimeSpan.FromSeconds(10);
    private readonly CacheOptions _options = options.Value;
    private long _redisDownSince = long.MinValue;

    public bool RedisConfigured => redis is not null;

    /// <summary>False while Redis is being skipped after a failure.</summary>
    public bool RedisHealthy => redis is not null && Volatile.Read(ref _redisDownSince) == long.MinValue;

    public string? ChatKey(OllamaChatRequest request) => GenerationKey("chat:", request, OllamaJsonContext.Default.OllamaChatRequest);

    public string? GenerateKey(OllamaGenerateRequest request) => GenerationKey("generate:", request, OllamaJsonContext.Default.OllamaGenerateRequest);

    /// <summary>A recorder for a streamed answer to a cacheable request (null key: not cacheable, nothing recorded).</summary>
    public StreamedAnswer? Record(string? key) => key is null ? null : new StreamedAnswer(key, _options.MaxEntryBytes);

    /// <summary>
    /// Stores a recorded stream that ended well, after the client got its last event: nothing here may fail or
    /// delay the answer, so failures are logged and the entry is simply not cached.
    /// </summary>
    public async Task StoreAsync(StreamedAnswer? answer)
    {
        try
        {
            if (answer?.Build() is { } bytes)
            {
                await SetAsync(answer.Key, bytes, CancellationToken.None).ConfigureAwait(false);
            }
        }
#pragma warning disable CA1031 // The client is served; a cache write that fails for any reason only costs a future hit.
        catch (Exception e)
#pragma warning restore CA1031
        {
            LogStoreFailed(logger, e.GetType().Name);
        }
    }

    /// <summary>
    /// Whether an upstream answer may be cached: a model load or unload (an empty prompt or message list, or
    /// keep_alive 0) answers with done_reason "load" / "unload" and must reach the server every time.
    /// </summary>
    public static bool Cacheable(OllamaChatResponse answer) => answer.DoneReason is not ("load" or "unload");

    /// <summary>Embeddings are deterministic for a given model and input.</summary>
    public string? EmbedKey(OllamaEmbedRequest request) =>
        _options.Enabled ? "embed:" + Hash(JsonSerializer.SerializeToUtf8Bytes(request, OllamaJsonContext.Default.OllamaEmbedRequest)) : null;

    public async Task<byte[]?> GetAsync(string? key, CancellationToken cancellationToken) =>
        key is null ? null : await UseAsync(b => b.GetAsync(key, cancellationToken), cancellationToken).ConfigureAwait(false);

    public async Task SetAsync(string? key, byte[] value, CancellationToken cancellationToken)
    {
        if (key is not null && value.Length <= _options.MaxEntryBytes)
        {
            await UseAsync(async b =>
            {
                await b.SetAsync(key, value, _options.Ttl, cancellationToken).ConfigureAwait(false);
                return 0;
            }, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Removes the keys matching a glob (<c>*</c> any run of characters); null clears everything.</summary>
    public Task<int> ClearAsync(string? pattern, CancellationToken cancellationToken) =>
        AdminAsync(b => b.ClearAsync(pattern ?? "*", cancellationToken), cancellationToken);

    public Task<IReadOnlyList<CacheKeyInfo>> KeysAsync(CancellationToken cancellationToken) => AdminAsync(b => b.KeysAsync(cancellationToken), cancellationToken);

    public async Task<(string Backend, CacheStatistics Statistics)> StatisticsAsync(CancellationToken cancellationToken)
    {
        var backend = redis ?? (ICacheBackend)memory;
        return (backend.Name, await AdminAsync(b => b.StatisticsAsync(cancellationToken), cancellationToken).ConfigureAwait(false));
    }

    /// <summary>
    /// Management calls (stats, keys, clear) scan the whole cache, so they get a longer timeout, never switch the
    /// request path to the fallback, and fail with 503 when Redis is away: clearing only the fallback would claim a
    /// success that Redis did not see.
    /// </summary>
    private async Task<T> AdminAsync<T>(Func<ICacheBackend, Task<T>> operation, CancellationToken cancellationToken)
    {
        if (redis is null)
        {
            return await operation(memory).ConfigureAwait(false);
        }

        try
        {
            return await Task.Run(() => operation(redis), cancellationToken).WaitAsync(AdminTimeout, time, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is TimeoutException or StackExchange.Redis.RedisException && !cancellationToken.IsCancellationRequested)
        {
            throw new Errors.GatewayException(Errors.ErrorKind.CacheUnavailable, "the Redis cache is unavailable", retryAfter: TimeSpan.FromSeconds(5));
        }
    }

    /// <summary>Runs the operation on Redis when it is usable, else (or when it fails or stalls) on the in-process backend.</summary>
    private async Task<T> UseAsync<T>(Func<ICacheBackend, Task<T>> operation, CancellationToken cancellationToken)
    {
        if (redis is not null && RedisWorthTrying())
        {
            try
            {
                var result = await operation(redis).WaitAsync(redis.Timeout, time, cancellationToken).ConfigureAwait(false);
                if (Interlocked.Exchange(ref _redisDownSince, long.MinValue) != long.MinValue)
                {
                    LogRedisBack(logger);
                }

                return result;
            }
            catch (Exception e) when (e is TimeoutException or StackExchange.Redis.RedisException && !cancellationToken.IsCancellationRequested)
            {
                if (Interlocked.Exchange(ref _redisDownSince, time.GetTimestamp()) == long.MinValue)
                {
                    LogRedisDown(logger, e.GetType().Name);
                }
            }
        }

        return await operation(memory).ConfigureAwait(false);
    }

    public void Dispose() => redis?.Dispose();

    private bool RedisWorthTrying()
    {
        var since = Volatile.Read(ref _redisDownSince);
        return since == long.MinValue || time.GetElapsedTime(since) >= _options.RedisRetryInterval;
    }

    /// <summary>
    /// Chat and generate: cached only when deterministic (by default) and without logprobs (a streamed answer spreads
    /// them over its chunks, which a rebuilt answer would not keep); the key ignores the stream flag.
    /// </summary>
    private string? GenerationKey<T>(string kind, T request, System.Text.Json.Serialization.Metadata.JsonTypeInfo<T> type) where T : IGenerationRequest
    {
        if (!_options.Enabled || request.Logprobs == true || (_options.DeterministicOnly && !IsDeterministic(request.Options)))
        {
            return null;
        }

        var streaming = request.Stream;
        request.Stream = null;
        try
        {
            return kind + Hash(JsonSerializer.SerializeToUtf8Bytes(request, type));
        }
        finally
        {
            request.Stream = streaming;
        }
    }

    private static bool IsDeterministic(Dictionary<string, JsonElement>? options) =>
        options is not null
        && ((options.TryGetValue("temperature", out var t) && t.ValueKind == JsonValueKind.Number && t.GetDouble() == 0)
            || (options.TryGetValue("seed", out var s) && s.ValueKind == JsonValueKind.Number));

    private static string Hash(byte[] canonical) => Convert.ToHexStringLower(SHA256.HashData(canonical));

    [LoggerMessage(Level = LogLevel.Warning, Message = "Redis cache unreachable ({Error}); answering from the in-process cache")]
    private static partial void LogRedisDown(ILogger logger, string error);

    [LoggerMessage(Level = LogLevel.Warning, Message = "A streamed answer could not be cached ({Error})")]
    private static partial void LogStoreFailed(ILogger logger, string error);

    [LoggerMessage(Level = LogLevel.Information, Message = "Redis cache reachable again")]
    private static partial void LogRedisBack(ILogger logger);
}
