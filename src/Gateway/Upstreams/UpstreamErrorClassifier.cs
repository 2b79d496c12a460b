using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;
using SutazAi.Gateway.Errors;

namespace SutazAi.Gateway.Upstreams;

/// <summary>
/// The one place that turns what went wrong upstream into a <see cref="GatewayException"/> (idea from YARP's
/// ForwarderError): unreachable or 5xx → 502, timeout → 504, circuit open → 503. Exception text, upstream
/// bodies and URLs stay inside; a client that left is rethrown as cancellation, never counted as a failure.
/// </summary>
internal static class UpstreamErrorClassifier
{
    public static GatewayException FromException(Exception exception, UpstreamDeadline deadline, bool headersReceived)
    {
        if (deadline.ClientGone)
        {
            throw new OperationCanceledException("The client disconnected.", exception, deadline.Token);
        }

        if (deadline.Fired is { } fired)
        {
            return fired switch
            {
                ErrorKind.StreamIdleTimeout => new GatewayException(fired, "the upstream model server stopped sending data"),
                ErrorKind.StreamMaxDuration => new GatewayException(fired, "the response exceeded the maximum stream duration"),
                _ => new GatewayException(ErrorKind.UpstreamTimeout, "the upstream model server did not answer in time"),
            };
        }

        if (HasInner<TimeoutException>(exception))
        {
            return new GatewayException(ErrorKind.UpstreamTimeout, "the upstream model server did not accept the connection in time");
        }

        if (headersReceived)
        {
            return new GatewayException(ErrorKind.StreamBroken, "the upstream model server closed the stream before it was complete");
        }

        if (exception is HttpRequestException or IOException or SocketException)
        {
            return new GatewayException(ErrorKind.UpstreamUnavailable, "the upstream model server is unreachable");
        }

        return new GatewayException(ErrorKind.UpstreamError, "the upstream model server failed");
    }

    /// <summary>A non-success status the caller cannot pass through as is, or null for statuses it can.</summary>
    public static GatewayException? FromStatus(HttpStatusCode status, HttpResponseHeaders headers)
    {
        var code = (int)status;
        if (code == 429)
        {
            return new GatewayException(ErrorKind.UpstreamRateLimited, "the upstream model server is busy; retry later", retryAfter: RetryAfter(headers));
        }

        if (code >= 500)
        {
            return new GatewayException(ErrorKind.UpstreamError, $"the upstream model server answered {code}");
        }

        return null;
    }

    /// <summary>An upstream 4xx with Ollama's {"error"} body: its message is safe to pass on (trimmed).</summary>
    public static GatewayException Rejected(int status, string? upstreamMessage, string? model)
    {
        if (status == 404 && model is not null)
        {
            return GatewayException.ModelNotFound(model);
        }

        var message = Sanitize(upstreamMessage) ?? $"the upstream model server rejected the request ({status})";
        return new GatewayException(ErrorKind.UpstreamRejected, message, upstreamStatus: status);
    }

    public static GatewayException FromErrorLine(string? upstreamMessage) =>
        new(ErrorKind.UpstreamError, Sanitize(upstreamMessage) ?? "the upstream model server reported an error");

    private static string? Sanitize(string? message)
    {
        if (string.IsNullOrWhiteSpace(message))
        {
            return null;
        }

        var trimmed = message.Length > 300 ? message[..300] : message;
        return string.Create(trimmed.Length, trimmed, static (span, source) =>
        {
            for (var i = 0; i < source.Length; i++)
            {
                span[i] = char.IsControl(source[i]) ? ' ' : source[i];
            }
        });
    }

    private static TimeSpan? RetryAfter(HttpResponseHeaders headers) =>
        headers.RetryAfter?.Delta ?? (headers.RetryAfter?.Date is { } date ? date - DateTimeOffset.UtcNow : null);

    private static bool HasInner<T>(Exception exception)
        where T : Exception
    {
        for (var e = exception; e is not null; e = e.InnerException)
        {
            if (e is T)
            {
                return true;
            }
        }

        return false;
    }
}
