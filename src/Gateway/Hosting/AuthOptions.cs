namespace SutazAi.Gateway.Hosting;

/// <summary>
/// Authentication (section <c>Auth</c>). On by default: every route but the health probes needs an API key or a token.
/// <see cref="Enabled"/> false is accepted only when the gateway listens on loopback addresses alone.
/// </summary>
internal sealed class AuthOptions
{
    public const string Section = "Auth";

    public bool Enabled { get; set; } = true;

    /// <summary>An admin key set by the deployment (at least 32 characters); it is compared, never stored.</summary>
    public string? BootstrapAdminKey { get; set; }

    /// <summary>How long a replica trusts what it read about a key: a revocation reaches every replica within this.</summary>
    public TimeSpan KeyCacheTtl { get; set; } = TimeSpan.FromSeconds(5);

    public JwtOptions Jwt { get; set; } = new();
}
