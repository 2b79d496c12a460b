namespace SutazAi.Gateway.Auth;

/// <summary>
/// Who a request acts for: the owner of the documents, memories and executions it creates, and the only owner whose
/// data its tools can reach: the authenticated key's id (a token acts for the key it was issued for). With
/// authentication disabled (loopback only) every request acts for the one local owner.
/// </summary>
internal sealed record Caller(string Owner)
{
    public static readonly Caller Local = new("local");

    /// <summary>On keys marked trusted: OpenWebUI's end-user header is believed.</summary>
    public const string TrustedClaim = "sutazai.trusted";

    /// <summary>The end user OpenWebUI forwards (ENABLE_FORWARD_USER_INFO_HEADERS); ignored unless the key is trusted.</summary>
    public const string OpenWebUiUserHeader = "X-OpenWebUI-User-Id";

    public static Caller From(HttpContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        if (context.User.FindFirst(System.Security.Claims.ClaimTypes.NameIdentifier)?.Value is not { Length: > 0 } id)
        {
            return Local;
        }

        // A trusted key (an OpenWebUI deployment) acts for each of its users separately: their data never mix.
        return context.User.HasClaim(TrustedClaim, "true") && context.Request.Headers[OpenWebUiUserHeader].ToString() is { Length: > 0 and <= 200 } user
            ? new Caller($"{id}/{user}")
            : new Caller(id);
    }
}
