using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.Options;

namespace SutazAi.Gateway.Hosting;

/// <summary>General gateway settings (section <c>Gateway</c>).</summary>
internal sealed class GatewayOptions
{
    public const string Section = "Gateway";

    /// <summary>The model the SutazAI routes use when a request names none (seed spec: tinyllama).</summary>
    [Required]
    public string DefaultModel { get; set; } = "tinyllama";

    /// <summary>
    /// SSE routes: after this long without upstream headers, send 200 and ": keep-alive" comments at this
    /// interval until the upstream answers. Zero (default) waits, so pre-stream failures keep their status.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00", "00:10:00")]
    public TimeSpan SseHeartbeatInterval { get; set; } = TimeSpan.Zero;
}

[OptionsValidator]
internal sealed partial class GatewayOptionsValidator : IValidateOptions<GatewayOptions>;
