using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using SutazAi.Gateway.Auth;
using SutazAi.Gateway.Storage.Auth;

namespace SutazAi.Gateway.Hosting;

internal static class AuthHostingExtensions
{
    /// <summary>
    /// API keys and tokens as the one authentication scheme. Access (closed by default, admin routes) is
    /// <see cref="AccessMiddleware"/>, placed by MapGateway.
    /// </summary>
    public static IHostApplicationBuilder AddGatewayAuth(this IHostApplicationBuilder builder)
    {
        var services = builder.Services;
        services.AddOptions<AuthOptions>().BindConfiguration(AuthOptions.Section).ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<AuthOptions>, AuthOptionsValidator>());
        services.TryAddSingleton<ApiKeyStore>();
        services.TryAddSingleton<ApiKeyAuthenticator>();
        services.TryAddSingleton<TokenService>();
        services.AddHostedService<AuthBootstrapper>();
        // AddAuthenticationCore, not AddAuthentication: the latter also sets up data protection, whose key ring is
        // loaded at every start (about 90 ms here) for cookies this gateway never issues.
        services.AddWebEncoders();
        services.AddAuthenticationCore(o =>
        {
            o.DefaultScheme = GatewayAuthenticationHandler.SchemeName;
            o.AddScheme<GatewayAuthenticationHandler>(GatewayAuthenticationHandler.SchemeName, null);
        });
        return builder;
    }
}
