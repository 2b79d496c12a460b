namespace SutazAi.Gateway.Auth;

/// <summary>
/// Who a request acts for: the owner of the documents, memories and executions it creates, and the only owner whose
/// data its tools can reach. Until credentials exist (API keys and JWT) every request acts for the one local owner;
/// <see cref="From"/> is the single place that will read the authenticated identity instead.
/// </summary>
internal sealed record Caller(string Owner)
{
    public static readonly Caller Local = new("local");

    public static Caller From(HttpContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        return Local;
    }
}
