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
        // Read when first used, not now: configuration added after AddGateway (tests, hosts) must count.
        services.AddCors();
        services.AddOptions<Microsoft.AspNetCore.Cors.Infrastructure.CorsOptions>().Configure<IConfiguration>((options, configuration) =>
        {
            var origins = configuration.GetSection(GatewayCorsOptions.Section).Get<GatewayCorsOptions>()?.AllowedOrigins ?? [];
            options.AddPolicy(GatewayCorsOptions.Policy, policy =>
            {
                if (origins.Contains("*"))
                {
                    policy.AllowAnyOrigin();
                }
                else
                {
                    policy.WithOrigins(origins);
                }

                // Never AllowCredentials: authentication is a header, and a wildcard with credentials is refused by design.
                policy.WithMethods("GET", "POST", "PUT", "PATCH", "DELETE")
                    .WithHeaders("Authorization", "Content-Type", "X-API-Key", "X-Request-ID", "Idempotency-Key", "Last-Event-ID")
                    .WithExposedHeaders("X-Request-ID", "Retry-After")
                    .SetPreflightMaxAge(TimeSpan.FromMinutes(10));
            });
        });
        return builder;
    }
}
