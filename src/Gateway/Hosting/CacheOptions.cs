using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.Options;

namespace SutazAi.Gateway.Hosting;

/// <summary>The exact-match response cache (section <c>Cache</c>).</summary>
internal sealed class CacheOptions
{
    public const string Section = "Cache";

    public bool Enabled { get; set; } = true;

    /// <summary>Chat answers are cached only when the request is deterministic: temperature 0 or a seed.</summary>
    public bool DeterministicOnly { get; set; } = true;

    [Range(typeof(TimeSpan), "00:00:01", "30.00:00:00")]
    public TimeSpan Ttl { get; set; } = TimeSpan.FromHours(1);

    [Range(1, 10_000_000)]
    public int MaxEntries { get; set; } = 10_000;

    /// <summary>Filled from ConnectionStrings:Redis (StackExchange.Redis configuration, e.g. "127.0.0.1:6379").</summary>
    public string? RedisConfiguration { get; set; }

    /// <summary>Longest wait for one Redis operation before the in-process cache answers instead.</summary>
    [Range(typeof(TimeSpan), "00:00:00.010", "00:00:10")]
    public TimeSpan RedisTimeout { get; set; } = TimeSpan.FromMilliseconds(250);

    /// <summary>After a Redis failure, how long the in-process cache answers before Redis is tried again.</summary>
    [Range(typeof(TimeSpan), "00:00:00.010", "00:10:00")]
    public TimeSpan RedisRetryInterval { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>Answers larger than this are not cached.</summary>
    [Range(1024, 64 * 1024 * 1024)]
    public int MaxEntryBytes { get; set; } = 1024 * 1024;
}

[OptionsValidator]
internal sealed partial class CacheOptionsValidator : IValidateOptions<CacheOptions>;
