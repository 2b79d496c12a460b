using System.Security.Claims;
using Microsoft.AspNetCore.Http.HttpResults;
using SutazAi.Gateway.Auth;
using SutazAi.Gateway.Errors;
using SutazAi.Gateway.Protocol.Sutaz;
using SutazAi.Gateway.Storage.Auth;

namespace SutazAi.Gateway.Endpoints.Admin;

/// <summary>API keys (admin only) and tokens (any valid key): /api/v1/auth.</summary>
internal static class AuthApi
{
    private static readonly string[] Periods = ["day", "week", "month"];

    public static RouteGroupBuilder MapAuthApi(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/v1/auth").WithTags("Auth");
        var keys = group.MapGroup("/keys").RequireAdmin();
        keys.MapPost("", CreateAsync).WithName("AuthKeyCreate");
        keys.MapGet("", ListAsync).WithName("AuthKeyList");
        keys.MapDelete("/{id}", RevokeAsync).WithName("AuthKeyRevoke");
        group.MapPost("/token", TokenAsync).WithName("AuthToken");
        return group;
    }

    private static async Task<Created<Envelope<ApiKeyView>>> CreateAsync(HttpContext context, ApiKeyStore store, TimeProvider time)
    {
        var request = await RequestBody.ReadAsync(context.Request, SutazJsonContext.Default.ApiKeyCreateRequest).ConfigureAwait(false);
        var name = request.Name?.Trim() is { Length: > 0 and <= 100 } given ? given : throw GatewayException.Invalid("name is required (at most 100 characters)", "name");
        var role = request.Role ?? Roles.User;
        if (role is not (Roles.Admin or Roles.User))
        {
            throw GatewayException.Invalid("role must be admin or user", "role");
        }

        Positive(request.Rpm, "rpm");
        Positive(request.Tpm, "tpm");
        Positive(request.MaxConcurrentStreams, "max_concurrent_streams");
        if (request.TokenBudget is < 1)
        {
            throw GatewayException.Invalid("token_budget must be positive", "token_budget");
        }

        if (request.BudgetPeriod is { } period && !Periods.Contains(period))
        {
            throw GatewayException.Invalid("budget_period must be day, week or month", "budget_period");
        }

        if (request.TokenBudget is not null && request.BudgetPeriod is null)
        {
            throw GatewayException.Invalid("a token_budget needs a budget_period", "budget_period");
        }

        if (request.Models is { } models && (models.Count > 256 || models.Any(string.IsNullOrWhiteSpace)))
        {
            throw GatewayException.Invalid("models lists at most 256 model names", "models");
        }

        var now = time.GetUtcNow();
        if (request.ExpiresAt is { } expires && expires <= now)
        {
            throw GatewayException.Invalid("expires_at must be in the future", "expires_at");
        }

        var (id, key, hash) = ApiKeySecrets.Create();
        var record = new ApiKeyRecord(id, name, hash, role, request.Rpm, request.Tpm, request.MaxConcurrentStreams, request.TokenBudget, request.BudgetPeriod,
            request.Models, request.Trusted ?? false, request.ExpiresAt, null, now);
        await store.InsertAsync(record, context.RequestAborted).ConfigureAwait(false);
        return TypedResults.Created($"/api/v1/auth/keys/{id}", Envelope.Success(context, View(record, key), time));
    }

    private static async Task<Ok<Envelope<ApiKeyList>>> ListAsync(HttpContext context, ApiKeyStore store, TimeProvider time) =>
        TypedResults.Ok(Envelope.Success(context, new ApiKeyList { Keys = [.. (await store.ListAsync(context.RequestAborted).ConfigureAwait(false)).Select(k => View(k, null))] }, time));

    private static async Task<Ok<Envelope<ApiKeyView>>> RevokeAsync(HttpContext context, string id, ApiKeyStore store, ApiKeyAuthenticator keys, TimeProvider time)
    {
        if (!await store.RevokeAsync(id, time.GetUtcNow(), context.RequestAborted).ConfigureAwait(false))
        {
            throw new GatewayException(ErrorKind.NotFound, "no active key with this id", "id");
        }

        keys.Forget(id);
        var revoked = await store.FindAsync(id, context.RequestAborted).ConfigureAwait(false);
        return TypedResults.Ok(Envelope.Success(context, View(revoked!, null), time));
    }

    /// <summary>A short-lived token for the key presented (a token cannot be exchanged for another).</summary>
    private static async Task<Ok<Envelope<TokenReply>>> TokenAsync(HttpContext context, ApiKeyAuthenticator keys, TokenService tokens, TimeProvider time)
    {
        var presented = GatewayAuthenticationHandler.Credential(context.Request);
        var key = presented is not null && presented.Count(c => c == '.') != 2
            ? await keys.AuthenticateAsync(presented, context.RequestAborted).ConfigureAwait(false)
            : null;
        if (key is null || context.User.FindFirstValue(ClaimTypes.NameIdentifier) != key.Id)
        {
            throw GatewayException.Invalid("a token is issued for an API key: present the key itself, not a token", "Authorization");
        }

        return TypedResults.Ok(Envelope.Success(context, new TokenReply { AccessToken = tokens.Issue(key), ExpiresIn = (int)tokens.Lifetime.TotalSeconds }, time));
    }

    private static void Positive(int? value, string field)
    {
        if (value is < 1)
        {
            throw GatewayException.Invalid($"{field} must be positive", field);
        }
    }

    private static ApiKeyView View(ApiKeyRecord k, string? key) => new()
    {
        Id = k.Id,
        Name = k.Name,
        Role = k.Role,
        Rpm = k.Rpm,
        Tpm = k.Tpm,
        MaxConcurrentStreams = k.MaxConcurrentStreams,
        TokenBudget = k.TokenBudget,
        BudgetPeriod = k.BudgetPeriod,
        Models = k.Models,
        Trusted = k.Trusted,
        ExpiresAt = k.ExpiresAt,
        RevokedAt = k.RevokedAt,
        CreatedAt = k.CreatedAt,
        Key = key,
    };
}
