using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.Options;

namespace SutazAi.Gateway.Hosting;

/// <summary>
/// Request ceilings (section <c>Limits</c>). One rule per field: sizes and counts above the ceiling are a 400;
/// output tokens and keep_alive are clamped to the ceiling (documented in the README).
/// </summary>
internal sealed class LimitsOptions
{
    public const string Section = "Limits";

    [Range(1024, 1L << 31)]
    public long MaxRequestBodyBytes { get; set; } = 32 * 1024 * 1024;

    [Range(1, 1_000_000)]
    public int MaxMessages { get; set; } = 4096;

    [Range(1, 10_000)]
    public int MaxTools { get; set; } = 256;

    [Range(1, 10_000)]
    public int MaxEmbeddingInputs { get; set; } = 2048;

    [Range(1, 100)]
    public int MaxBatchRequests { get; set; } = 32;

    /// <summary>max_tokens / num_predict above this are clamped to it.</summary>
    [Range(1, 10_000_000)]
    public int MaxOutputTokens { get; set; } = 131_072;

    /// <summary>num_ctx above this is a 400 (the context size decides the upstream's memory use).</summary>
    [Range(256, 10_000_000)]
    public int MaxContextTokens { get; set; } = 262_144;

    /// <summary>keep_alive above this, or negative (keep forever), is clamped to it.</summary>
    [Range(typeof(TimeSpan), "00:00:00", "365.00:00:00")]
    public TimeSpan MaxKeepAlive { get; set; } = TimeSpan.FromHours(24);

    [Range(1, 1000)]
    public int MaxRequestHeaderCount { get; set; } = 100;

    [Range(1024, 1024 * 1024)]
    public int MaxRequestHeadersTotalSize { get; set; } = 32 * 1024;

    [Range(256, 1024 * 1024)]
    public int MaxRequestLineSize { get; set; } = 8 * 1024;

    [Range(typeof(TimeSpan), "00:00:01", "00:10:00")]
    public TimeSpan RequestHeadersTimeout { get; set; } = TimeSpan.FromSeconds(10);

    [Range(typeof(TimeSpan), "00:00:01", "01:00:00")]
    public TimeSpan KeepAliveTimeout { get; set; } = TimeSpan.FromSeconds(120);

    [Range(1, 1_000_000)]
    public long MaxConcurrentConnections { get; set; } = 10_000;

    [Range(1, 1000)]
    public int MaxStreamsPerConnection { get; set; } = 100;
}

[OptionsValidator]
internal sealed partial class LimitsOptionsValidator : IValidateOptions<LimitsOptions>;
