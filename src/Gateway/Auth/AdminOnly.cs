namespace SutazAi.Gateway.Auth;

/// <summary>Endpoint metadata: only admin keys may call it (see <see cref="AccessMiddleware"/>).</summary>
internal sealed class AdminOnly
{
    public static readonly AdminOnly Instance = new();

    private AdminOnly()
    {
    }
}
