using System.Diagnostics.Metrics;

namespace SutazAi.Gateway.Observability;

/// <summary>The gateway's own instruments (meter <c>SutazAi.Gateway</c>) plus the totals the health answer reports.</summary>
internal sealed class GatewayMetrics : IDisposable
{
    public const string MeterName = "SutazAi.Gateway";

    private readonly Meter _meter;
    private readonly Counter<long> _requests;
    private readonly Histogram<double> _requestDuration;
    private readonly Counter<long> _tokens;
    private readonly Counter<long> _upstreamCalls;
    private readonly Histogram<double> _upstreamDuration;
    private readonly TimeProvider _time;
    private readonly long _startedAt;
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, DateTimeOffset> _lastUsed = new(StringComparer.Ordinal);
    private long _requestCount;
    private long _errorCount;
    private long _durationMicros;

    public GatewayMetrics(IMeterFactory meterFactory, TimeProvider time)
    {
        _time = time;
        _startedAt = time.GetTimestamp();
        _meter = meterFactory.Create(MeterName);
        _requests = _meter.CreateCounter<long>("gateway_requests_total", description: "HTTP requests by route, method and status");
        _requestDuration = _meter.CreateHistogram<double>("gateway_request_duration_seconds", "s", "HTTP request duration by route (streams: until the last byte)");
        _tokens = _meter.CreateCounter<long>("gateway_tokens_total", description: "Tokens reported by the upstream, by model and kind (prompt, completion)");
        _upstreamCalls = _meter.CreateCounter<long>("gateway_upstream_requests_total", description: "Upstream calls by server and outcome");
        _upstreamDuration = _meter.CreateHistogram<double>("gateway_upstream_duration_seconds", "s", "Upstream call duration by server");
    }

    public long RequestCount => Interlocked.Read(ref _requestCount);

    public long ErrorCount => Interlocked.Read(ref _errorCount);

    public double AverageDurationMs => RequestCount == 0 ? 0 : Interlocked.Read(ref _durationMicros) / 1000.0 / RequestCount;

    public TimeSpan Uptime => _time.GetElapsedTime(_startedAt);

    public void Request(string route, string method, int status, TimeSpan duration)
    {
        Interlocked.Increment(ref _requestCount);
        Interlocked.Add(ref _durationMicros, (long)(duration.TotalMilliseconds * 1000));
        if (status >= 500)
        {
            Interlocked.Increment(ref _errorCount);
        }

        _requests.Add(1, new("route", route), new("method", method), new("status", StatusLabel(status)));
        _requestDuration.Record(duration.TotalSeconds, new KeyValuePair<string, object?>("route", route));
    }

    /// <summary>When the gateway last served the model (seed spec's last_used), or null.</summary>
    public DateTimeOffset? LastUsed(string model) =>
        _lastUsed.TryGetValue(Upstreams.ModelName.Normalize(model), out var at) ? at : null;

    public void Tokens(string model, int? prompt, int? completion)
    {
        _lastUsed[Upstreams.ModelName.Normalize(model)] = _time.GetUtcNow();
        if (prompt is > 0)
        {
            _tokens.Add(prompt.Value, new("model", model), new("kind", "prompt"));
        }

        if (completion is > 0)
        {
            _tokens.Add(completion.Value, new("model", model), new("kind", "completion"));
        }
    }

    public void UpstreamCall(string server, string outcome, TimeSpan duration)
    {
        _upstreamCalls.Add(1, new("server", server), new("outcome", outcome));
        _upstreamDuration.Record(duration.TotalSeconds, new KeyValuePair<string, object?>("server", server));
    }

    public void Dispose() => _meter.Dispose();

    private static readonly string[] s_statusLabels = [.. Enumerable.Range(0, 600).Select(i => i.ToString(System.Globalization.CultureInfo.InvariantCulture))];

    private static string StatusLabel(int status) => (uint)status < s_statusLabels.Length ? s_statusLabels[status] : "other";
}
