namespace SutazAi.Gateway.Hosting;

/// <summary>
/// Browser access (section <c>Cors</c>): the origins allowed to call the gateway from a web page, echoed exactly.
/// None by default. Credentials (cookies) are never allowed: callers authenticate with a header, so "*" is accepted
/// and means any origin without credentials.
/// </summary>
internal sealed class GatewayCorsOptions
{
    public const string Section = "Cors";
    public const string Policy = "gateway";

    public string[] AllowedOrigins { get; set; } = [];
}
