using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.Options;

namespace SutazAi.Gateway.Hosting;

/// <summary>The Ollama servers behind the gateway and how they are called (section <c>Ollama</c>).</summary>
internal sealed class OllamaOptions
{
    public const string Section = "Ollama";

    public const string DefaultServer = "http://localhost:11434";

    /// <summary>Base URLs. Empty after binding means the default (set in PostConfigure: the binder appends to arrays).</summary>
    [Required, MinLength(1)]
    public string[] Servers { get; set; } = [];

    public RoutingStrategy Strategy { get; set; } = RoutingStrategy.LeastOutstanding;

    [Range(typeof(TimeSpan), "00:00:00.050", "01:00:00")]
    public TimeSpan HealthInterval { get; set; } = TimeSpan.FromSeconds(10);

    [Range(typeof(TimeSpan), "00:00:00.050", "1.00:00:00")]
    public TimeSpan TagsRefreshInterval { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>How soon a request for a model no server lists may trigger another /api/tags refresh.</summary>
    [Range(typeof(TimeSpan), "00:00:00", "01:00:00")]
    public TimeSpan MissRefreshInterval { get; set; } = TimeSpan.FromSeconds(2);

    [Range(typeof(TimeSpan), "00:00:00.010", "00:10:00")]
    public TimeSpan ConnectTimeout { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>Streaming requests: longest wait for the upstream's response headers (model loading included).</summary>
    [Range(typeof(TimeSpan), "00:00:00.010", "1.00:00:00")]
    public TimeSpan FirstByteTimeout { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>Non-streamed requests: Ollama answers only when generation is done, so this bounds the whole generation.</summary>
    [Range(typeof(TimeSpan), "00:00:00.010", "1.00:00:00")]
    public TimeSpan ResponseTimeout { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>Longest silence between two chunks of a stream; reset on every chunk.</summary>
    [Range(typeof(TimeSpan), "00:00:00.010", "1.00:00:00")]
    public TimeSpan StreamIdleTimeout { get; set; } = TimeSpan.FromMinutes(2);

    [Range(typeof(TimeSpan), "00:00:00.010", "7.00:00:00")]
    public TimeSpan MaxStreamDuration { get; set; } = TimeSpan.FromMinutes(30);

    [Range(typeof(TimeSpan), "00:00:00.010", "00:10:00")]
    public TimeSpan HealthTimeout { get; set; } = TimeSpan.FromSeconds(5);

    [Range(1, 10_000)]
    public int MaxConnectionsPerServer { get; set; } = 256;

    [ValidateObjectMembers]
    public CircuitBreakerSettings CircuitBreaker { get; set; } = new();
}

internal enum RoutingStrategy
{
    LeastOutstanding,
    RoundRobin,
}

internal sealed class CircuitBreakerSettings
{
    [Range(0.01, 1.0)]
    public double FailureRatio { get; set; } = 0.5;

    [Range(2, 100_000)]
    public int MinimumThroughput { get; set; } = 10;

    [Range(typeof(TimeSpan), "00:00:00.500", "01:00:00")]
    public TimeSpan SamplingDuration { get; set; } = TimeSpan.FromSeconds(30);

    [Range(typeof(TimeSpan), "00:00:00.500", "01:00:00")]
    public TimeSpan BreakDuration { get; set; } = TimeSpan.FromSeconds(30);
}

[OptionsValidator]
internal sealed partial class OllamaOptionsValidator : IValidateOptions<OllamaOptions>;
