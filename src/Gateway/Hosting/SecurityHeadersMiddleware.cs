using System.Text.RegularExpressions;

namespace SutazAi.Gateway.Hosting;

/// <summary>
/// Headers every answer carries (RELIABILITY.md SEC-03): no MIME sniffing, no framing, no referrer, and a request id
/// (the client's <c>X-Request-ID</c> when it is a plain token, the gateway's own otherwise) that also names the request
/// in the logs and the SutazAI envelope. Answers about keys and tokens are never cached.
/// </summary>
internal sealed partial class SecurityHeadersMiddleware(RequestDelegate next)
{
    public const string RequestIdHeader = "X-Request-ID";

    public Task InvokeAsync(HttpContext context)
    {
        if (context.Request.Headers[RequestIdHeader].ToString() is { Length: > 0 } given && RequestIdPattern().IsMatch(given))
        {
            context.TraceIdentifier = given;
        }

        // When the answer starts, so an error answer that cleared the response still carries them.
        context.Response.OnStarting(static state =>
        {
            var context = (HttpContext)state;
            var headers = context.Response.Headers;
            headers[RequestIdHeader] = context.TraceIdentifier;
            headers.XContentTypeOptions = "nosniff";
            headers.XFrameOptions = "DENY";
            headers.ContentSecurityPolicy = "default-src 'none'; frame-ancestors 'none'";
            headers["Referrer-Policy"] = "no-referrer";
            if (context.Request.Path.StartsWithSegments("/api/v1/auth", StringComparison.Ordinal))
            {
                headers.CacheControl = "no-store";
            }

            return Task.CompletedTask;
        }, context);
        return next(context);
    }

    [GeneratedRegex(@"^[A-Za-z0-9._:-]{1,128}\z")]
    private static partial Regex RequestIdPattern();
}
