namespace SutazAi.Gateway.Observability;

/// <summary>When the request started, set by the metrics middleware (used for processing_time_ms).</summary>
internal sealed class RequestTiming(long startedAt)
{
    public long StartedAt { get; } = startedAt;

    public static double? ElapsedMilliseconds(HttpContext context, TimeProvider time) =>
        context.Features.Get<RequestTiming>() is { } timing
            ? Math.Round(time.GetElapsedTime(timing.StartedAt).TotalMilliseconds, 3)
            : null;
}
