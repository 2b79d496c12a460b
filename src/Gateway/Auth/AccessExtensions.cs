namespace SutazAi.Gateway.Auth;

internal static class AccessExtensions
{
    /// <summary>Marks the endpoints admin-only: a user key gets 403.</summary>
    public static TBuilder RequireAdmin<TBuilder>(this TBuilder builder)
        where TBuilder : IEndpointConventionBuilder => builder.WithMetadata(AdminOnly.Instance);
}
