using System.Data.Common;
using System.Security.Claims;
using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Options;
using SutazAi.Gateway.Errors;
using SutazAi.Gateway.Hosting;
using SutazAi.Gateway.Protocol.OpenAI;

namespace SutazAi.Gateway.Auth;

/// <summary>
/// The one authentication scheme ("Bearer"): an API key or an HS256 token, in <c>Authorization: Bearer …</c> or
/// <c>X-API-Key</c>. A token is valid only while the key it was issued for is. A missing or bad credential gets the
/// same 401 on every route (with <c>WWW-Authenticate: Bearer</c>), a WebSocket before its upgrade. With
/// <see cref="AuthOptions.Enabled"/> off (loopback only), every request is the local admin.
/// </summary>
internal sealed partial class GatewayAuthenticationHandler(IOptionsMonitor<AuthenticationSchemeOptions> schemes, ILoggerFactory loggers,
    UrlEncoder encoder, ApiKeyAuthenticator keys, TokenService tokens, IOptions<AuthOptions> auth)
    : AuthenticationHandler<AuthenticationSchemeOptions>(schemes, loggers, encoder)
{
    public const string SchemeName = "Bearer";
    private const string RejectedItem = "sutazai.auth.rejected";

    protected override async Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        if (!auth.Value.Enabled)
        {
            return Success(Caller.Local.Owner, Roles.Admin, "local (authentication disabled)");
        }

        if (Credential(Request) is not { } credential)
        {
            return AuthenticateResult.NoResult();
        }

        ApiKeyRecord? key;
        try
        {
            key = credential.Count(c => c == '.') == 2
                ? await tokens.ValidateAsync(credential).ConfigureAwait(false) is { } id
                    ? await keys.FindAsync(id, Context.RequestAborted).ConfigureAwait(false) is { } issuer && issuer.IsActive(TimeProvider.GetUtcNow()) ? issuer : null
                    : null
                : await keys.AuthenticateAsync(credential, Context.RequestAborted).ConfigureAwait(false);
        }
        catch (DbException)
        {
            // Fail closed, but say why: the key store is down, the credential may well be good.
            throw new GatewayException(ErrorKind.DependencyUnavailable, "credentials cannot be checked now: the database is unavailable");
        }

        if (key is null)
        {
            Context.Items[RejectedItem] = true;
            LogRejected(Logger, Request.Path.Value ?? "");
            return AuthenticateResult.Fail("invalid credentials");
        }

        return Success(key.Id, key.Role, key.Name, key.Trusted);
    }

    protected override async Task HandleChallengeAsync(AuthenticationProperties properties)
    {
        Response.StatusCode = StatusCodes.Status401Unauthorized;
        Response.Headers.WWWAuthenticate = Context.Items.ContainsKey(RejectedItem) ? "Bearer error=\"invalid_token\"" : "Bearer";
        await WriteAsync(Context.Items.ContainsKey(RejectedItem) ? "invalid_token" : "missing_credentials",
            "a valid API key or token is required (Authorization: Bearer <key>)", "authentication_error").ConfigureAwait(false);
    }

    protected override Task HandleForbiddenAsync(AuthenticationProperties properties)
    {
        Response.StatusCode = StatusCodes.Status403Forbidden;
        return WriteAsync("forbidden", "this route needs an admin key", "permission_error");
    }

    /// <summary>The credential a request carries: a Bearer value, else X-API-Key; null when there is none.</summary>
    public static string? Credential(HttpRequest request)
    {
        var header = request.Headers.Authorization.ToString();
        if (header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase))
        {
            return header[7..].Trim() is { Length: > 0 } value ? value : null;
        }

        return request.Headers["X-API-Key"].ToString() is { Length: > 0 } apiKey ? apiKey.Trim() : null;
    }

    /// <summary>One body for every route, in the OpenAI error shape (which the OpenAI SDKs and OpenWebUI read).</summary>
    private Task WriteAsync(string code, string message, string type)
    {
        Response.ContentType = "application/json";
        Response.Headers.CacheControl = "no-store";
        return System.Text.Json.JsonSerializer.SerializeAsync(Response.Body,
            new OpenAiErrorEnvelope { Error = new OpenAiErrorBody { Message = message, Type = type, Code = code } },
            OpenAiJsonContext.Default.OpenAiErrorEnvelope, Context.RequestAborted);
    }

    private static AuthenticateResult Success(string id, string role, string name, bool trusted = false)
    {
        var identity = new ClaimsIdentity([new Claim(ClaimTypes.NameIdentifier, id), new Claim(ClaimTypes.Role, role), new Claim(ClaimTypes.Name, name)], SchemeName);
        if (trusted)
        {
            identity.AddClaim(new Claim(Caller.TrustedClaim, "true"));
        }

        return AuthenticateResult.Success(new AuthenticationTicket(new ClaimsPrincipal(identity), SchemeName));
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Authentication failed on {Path}")]
    private static partial void LogRejected(ILogger logger, string path);
}
