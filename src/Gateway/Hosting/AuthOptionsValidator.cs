using System.Net;
using System.Text;
using Microsoft.Extensions.Options;

namespace SutazAi.Gateway.Hosting;

/// <summary>
/// Fails closed at start: short secrets, or authentication turned off on an address other machines can reach.
/// </summary>
internal sealed class AuthOptionsValidator(IConfiguration configuration) : IValidateOptions<AuthOptions>
{
    public ValidateOptionsResult Validate(string? name, AuthOptions options)
    {
        if (options.BootstrapAdminKey is { } key && key.Length < 32)
        {
            return ValidateOptionsResult.Fail("Auth:BootstrapAdminKey must be at least 32 characters");
        }

        if (options.Jwt.Secret is { } secret && Encoding.UTF8.GetByteCount(secret) < 32)
        {
            return ValidateOptionsResult.Fail("Auth:Jwt:Secret must be at least 32 bytes");
        }

        if (!options.Enabled && Urls(configuration).FirstOrDefault(url => !IsLoopback(url)) is { } exposed)
        {
            return ValidateOptionsResult.Fail($"Auth:Enabled=false is allowed only when the gateway listens on loopback addresses; it listens on {exposed}");
        }

        return ValidateOptionsResult.Success;
    }

    private static string[] Urls(IConfiguration configuration) =>
        (configuration["urls"] ?? "http://localhost:5000").Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

    private static bool IsLoopback(string url)
    {
        var host = url.Split("://", 2) is [_, var rest] ? rest : url;
        host = host.Split('/')[0];
        host = host.StartsWith('[') ? host[1..host.IndexOf(']', StringComparison.Ordinal)] : host.Split(':')[0];
        return host.Equals("localhost", StringComparison.OrdinalIgnoreCase) || (IPAddress.TryParse(host, out var address) && IPAddress.IsLoopback(address));
    }
}
