using System.ComponentModel.DataAnnotations;

namespace SutazAi.Gateway.Hosting;

/// <summary>HS256 tokens (<c>POST /api/v1/auth/token</c> issues them; any route accepts them).</summary>
internal sealed class JwtOptions
{
    /// <summary>At least 32 bytes (UTF-8). Unset: a random secret per process (tokens then work on the replica that issued them only).</summary>
    public string? Secret { get; set; }

    public string Issuer { get; set; } = "sutazai-gateway";

    public string Audience { get; set; } = "sutazai-gateway";

    [Range(typeof(TimeSpan), "00:01:00", "1.00:00:00")]
    public TimeSpan Lifetime { get; set; } = TimeSpan.FromMinutes(15);
}
