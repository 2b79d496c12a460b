using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authorization;

namespace SutazAi.Gateway.Auth;

/// <summary>
/// Closed by default: every endpoint needs an authenticated caller unless it carries <see cref="IAllowAnonymous"/>
/// (the health probes), and endpoints marked <see cref="AdminOnly"/> need the admin role. It stands in for ASP.NET's
/// authorization middleware, whose setup cost about 100 ms at every start for two rules this simple. It runs after
/// routing and before the endpoint, so a WebSocket is refused before its upgrade.
/// </summary>
internal sealed class AccessMiddleware(RequestDelegate next)
{
    public Task InvokeAsync(HttpContext context)
    {
        var endpoint = context.GetEndpoint();
        if (endpoint is null || endpoint.Metadata.GetMetadata<IAllowAnonymous>() is not null)
        {
            return next(context);
        }

        if (context.User.Identity?.IsAuthenticated != true)
        {
            return context.ChallengeAsync();
        }

        return endpoint.Metadata.GetMetadata<AdminOnly>() is not null && !context.User.IsInRole(Roles.Admin) ? context.ForbidAsync() : next(context);
    }
}
