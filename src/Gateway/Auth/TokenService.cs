using System.Security.Claims;
using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;
using SutazAi.Gateway.Hosting;

namespace SutazAi.Gateway.Auth;

/// <summary>
/// Short-lived HS256 tokens for a key (<c>POST /api/v1/auth/token</c>), and their validation: the algorithm is pinned
/// (no "none", no RS/HS confusion), issuer, audience, lifetime and signature are all required, clock skew is 30 s.
/// </summary>
internal sealed class TokenService(IOptions<AuthOptions> options, TimeProvider time)
{
    public const string KeyIdClaim = "kid_key";
    private static readonly TimeSpan ClockSkew = TimeSpan.FromSeconds(30);
    private readonly JsonWebTokenHandler _handler = new() { SetDefaultTimesOnTokenCreation = false };
    private readonly SymmetricSecurityKey _key = new(options.Value.Jwt.Secret is { } secret ? Encoding.UTF8.GetBytes(secret) : RandomNumberGenerator.GetBytes(32));

    public TimeSpan Lifetime => options.Value.Jwt.Lifetime;

    public string Issue(ApiKeyRecord key)
    {
        var now = time.GetUtcNow().UtcDateTime;
        return _handler.CreateToken(new SecurityTokenDescriptor
        {
            Issuer = options.Value.Jwt.Issuer,
            Audience = options.Value.Jwt.Audience,
            IssuedAt = now,
            NotBefore = now,
            Expires = now + Lifetime,
            Subject = new ClaimsIdentity([new Claim(JwtRegisteredClaimNames.Sub, key.Id), new Claim(KeyIdClaim, key.Id), new Claim("role", key.Role)]),
            SigningCredentials = new SigningCredentials(_key, SecurityAlgorithms.HmacSha256),
        });
    }

    /// <summary>The key id a valid token was issued for; null for anything invalid.</summary>
    public async Task<string?> ValidateAsync(string token)
    {
        var result = await _handler.ValidateTokenAsync(token, new TokenValidationParameters
        {
            ValidIssuer = options.Value.Jwt.Issuer,
            ValidAudience = options.Value.Jwt.Audience,
            IssuerSigningKey = _key,
            ValidAlgorithms = [SecurityAlgorithms.HmacSha256],
            ValidateIssuer = true,
            ValidateAudience = true,
            ValidateLifetime = true,
            RequireExpirationTime = true,
            RequireSignedTokens = true,
            ValidateIssuerSigningKey = true,
            ClockSkew = ClockSkew,
            LifetimeValidator = (notBefore, expires, _, _) =>
            {
                var now = time.GetUtcNow().UtcDateTime;
                return expires is { } end && now <= end + ClockSkew && (notBefore is not { } start || now >= start - ClockSkew);
            },
        }).ConfigureAwait(false);
        return result.IsValid && result.ClaimsIdentity.FindFirst(KeyIdClaim)?.Value is { Length: > 0 } id ? id : null;
    }
}
