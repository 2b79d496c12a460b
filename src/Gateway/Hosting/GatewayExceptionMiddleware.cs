using SutazAi.Gateway.Errors;
using SutazAi.Gateway.Observability;

namespace SutazAi.Gateway.Hosting;

/// <summary>
/// The boundary: times every request, renders a <see cref="GatewayException"/> in the shape of the surface the
/// path belongs to, treats a client that left as no error, and turns anything unexpected into a 500 with no
/// exception text. After headers were sent nothing can be rendered, so the connection is aborted.
/// </summary>
internal sealed partial class GatewayExceptionMiddleware(RequestDelegate next, GatewayMetrics metrics, TimeProvider time, ILogger<GatewayExceptionMiddleware> logger)
{
    public async Task InvokeAsync(HttpContext context)
    {
        var started = time.GetTimestamp();
        context.Features.Set(new RequestTiming(started));
        try
        {
            await next(context).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (context.RequestAborted.IsCancellationRequested)
        {
            LogClientGone(logger, context.Request.Path);
        }
        catch (GatewayException error)
        {
            await RenderAsync(context, error).ConfigureAwait(false);
        }
        catch (System.Data.Common.DbException e) when (!context.Response.HasStarted)
        {
            // The database is down or restarting: the caller may retry; nothing of the driver's text leaves.
            LogDatabaseUnavailable(logger, e.GetType().Name);
            await RenderAsync(context, new GatewayException(ErrorKind.DependencyUnavailable, "the database is temporarily unavailable",
                retryAfter: TimeSpan.FromSeconds(5))).ConfigureAwait(false);
        }
        catch (BadHttpRequestException e)
        {
            // Kestrel's own rejections while the body was read: too large, too slow, or malformed framing.
            var error = e.StatusCode switch
            {
                StatusCodes.Status413PayloadTooLarge => new GatewayException(ErrorKind.PayloadTooLarge, "request body is too large"),
                StatusCodes.Status408RequestTimeout => new GatewayException(ErrorKind.RequestTimeout, "request body arrived too slowly"),
                _ => new GatewayException(ErrorKind.InvalidRequest, "malformed request"),
            };
            await RenderAsync(context, error).ConfigureAwait(false);
        }
#pragma warning disable CA1031 // The outermost boundary: anything unhandled becomes a sanitized 500, never a stack trace.
        catch (Exception e)
#pragma warning restore CA1031
        {
            LogUnhandled(logger, e, context.Request.Path);
            if (context.Response.HasStarted)
            {
                context.Abort();
            }
            else
            {
                context.Response.Clear();
                await RenderAsync(context, new GatewayException(ErrorKind.Internal, "internal error")).ConfigureAwait(false);
            }
        }
        finally
        {
            var route = (context.GetEndpoint() as RouteEndpoint)?.RoutePattern.RawText ?? "unmatched";
            metrics.Request(route, context.Request.Method, context.Response.StatusCode, time.GetElapsedTime(started));
        }
    }

    private async Task RenderAsync(HttpContext context, GatewayException error)
    {
        if (context.Response.HasStarted)
        {
            // The endpoint already wrote its in-band error or headers are out: nothing honest left but to abort.
            context.Abort();
            return;
        }

        if (error.StatusCode >= 500 && error.Kind is not (ErrorKind.Internal or ErrorKind.DependencyUnavailable))
        {
            LogUpstreamFailure(logger, context.Request.Path, error.Code);
        }

        var path = context.Request.Path;
        if (path.StartsWithSegments("/v1"))
        {
            await ErrorResponses.WriteOpenAiAsync(context, error).ConfigureAwait(false);
        }
        else if (path.StartsWithSegments("/api/v1") || !path.StartsWithSegments("/api"))
        {
            await ErrorResponses.WriteSutazAsync(context, error, time).ConfigureAwait(false);
        }
        else
        {
            await ErrorResponses.WriteOllamaAsync(context, error).ConfigureAwait(false);
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Client left before the response to {Path} was complete")]
    private static partial void LogClientGone(ILogger logger, PathString path);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Request to {Path} failed upstream: {Code}")]
    private static partial void LogUpstreamFailure(ILogger logger, PathString path, string code);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Database unavailable ({Error})")]
    private static partial void LogDatabaseUnavailable(ILogger logger, string error);

    [LoggerMessage(Level = LogLevel.Error, Message = "Unhandled error on {Path}")]
    private static partial void LogUnhandled(ILogger logger, Exception exception, PathString path);
}
