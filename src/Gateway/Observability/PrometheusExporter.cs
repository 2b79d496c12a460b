using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using System.Globalization;
using System.Text;
using Polly.CircuitBreaker;
using SutazAi.Gateway.Upstreams;

namespace SutazAi.Gateway.Observability;

/// <summary>
/// Aggregates the gateway meter with a <see cref="MeterListener"/> and renders Prometheus text format 0.0.4
/// (the OpenTelemetry Prometheus exporter and prometheus-net are not installable here). Upstream state
/// (up, circuit, in flight) is read from the pool at scrape time.
/// </summary>
internal sealed class PrometheusExporter : IDisposable
{
    private static readonly double[] s_buckets = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300];

    private readonly MeterListener _listener = new();
    private readonly ConcurrentDictionary<(string Name, string Labels), StrongBox> _counters = new();
    private readonly ConcurrentDictionary<(string Name, string Labels), HistogramState> _histograms = new();
    private readonly ConcurrentDictionary<string, string> _descriptions = new();
    private readonly UpstreamPool _pool;

    public PrometheusExporter(UpstreamPool pool, IMeterFactory meterFactory)
    {
        _pool = pool;
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            // Only this host's meter (its factory is the scope): several gateways in one process stay apart.
            if (instrument.Meter.Name == GatewayMetrics.MeterName && ReferenceEquals(instrument.Meter.Scope, meterFactory))
            {
                _descriptions[instrument.Name] = instrument.Description ?? instrument.Name;
                listener.EnableMeasurementEvents(instrument);
            }
        };
        _listener.SetMeasurementEventCallback<long>((instrument, value, tags, _) =>
            Interlocked.Add(ref _counters.GetOrAdd((instrument.Name, Labels(tags)), static _ => new StrongBox()).Value, value));
        _listener.SetMeasurementEventCallback<double>((instrument, value, tags, _) =>
            _histograms.GetOrAdd((instrument.Name, Labels(tags)), static _ => new HistogramState()).Record(value));
        _listener.Start();
    }

    public string Render()
    {
        var text = new StringBuilder(4096);
        foreach (var group in _counters.GroupBy(c => c.Key.Name).OrderBy(g => g.Key, StringComparer.Ordinal))
        {
            Header(text, group.Key, "counter");
            foreach (var (key, box) in group.OrderBy(c => c.Key.Labels, StringComparer.Ordinal))
            {
                text.Append(key.Name).Append(Braces(key.Labels)).Append(' ').Append(Interlocked.Read(ref box.Value)).Append('\n');
            }
        }

        foreach (var group in _histograms.GroupBy(h => h.Key.Name).OrderBy(g => g.Key, StringComparer.Ordinal))
        {
            Header(text, group.Key, "histogram");
            foreach (var (key, state) in group.OrderBy(h => h.Key.Labels, StringComparer.Ordinal))
            {
                state.Render(text, key.Name, key.Labels);
            }
        }

        text.Append("# HELP gateway_upstream_up Whether the last health probe of the server succeeded\n# TYPE gateway_upstream_up gauge\n");
        foreach (var s in _pool.Servers)
        {
            text.Append("gateway_upstream_up{server=\"").Append(s.Name).Append("\"} ").Append(s.Healthy ? 1 : 0).Append('\n');
        }

        text.Append("# HELP gateway_upstream_circuit_state Circuit state per server (0 closed, 1 half-open, 2 open, 3 isolated)\n# TYPE gateway_upstream_circuit_state gauge\n");
        foreach (var s in _pool.Servers)
        {
            var state = s.BreakerState.CircuitState switch
            {
                CircuitState.Closed => 0,
                CircuitState.HalfOpen => 1,
                CircuitState.Open => 2,
                _ => 3,
            };
            text.Append("gateway_upstream_circuit_state{server=\"").Append(s.Name).Append("\"} ").Append(state).Append('\n');
        }

        text.Append("# HELP gateway_upstream_in_flight Requests in flight per server\n# TYPE gateway_upstream_in_flight gauge\n");
        foreach (var s in _pool.Servers)
        {
            text.Append("gateway_upstream_in_flight{server=\"").Append(s.Name).Append("\"} ").Append(s.Outstanding).Append('\n');
        }

        return text.ToString();
    }

    public void Dispose() => _listener.Dispose();

    private void Header(StringBuilder text, string name, string type)
    {
        text.Append("# HELP ").Append(name).Append(' ').Append(_descriptions.GetValueOrDefault(name, name)).Append('\n');
        text.Append("# TYPE ").Append(name).Append(' ').Append(type).Append('\n');
    }

    private static string Braces(string labels) => labels.Length == 0 ? "" : "{" + labels + "}";

    private static string Labels(ReadOnlySpan<KeyValuePair<string, object?>> tags)
    {
        if (tags.IsEmpty)
        {
            return "";
        }

        var text = new StringBuilder();
        foreach (var tag in tags)
        {
            if (text.Length > 0)
            {
                text.Append(',');
            }

            text.Append(tag.Key).Append("=\"");
            foreach (var c in Convert.ToString(tag.Value, CultureInfo.InvariantCulture) ?? "")
            {
                _ = c switch
                {
                    '\\' => text.Append("\\\\"),
                    '"' => text.Append("\\\""),
                    '\n' => text.Append("\\n"),
                    _ => text.Append(c),
                };
            }

            text.Append('"');
        }

        return text.ToString();
    }

    private sealed class StrongBox
    {
        public long Value;
    }

    private sealed class HistogramState
    {
        private readonly long[] _counts = new long[s_buckets.Length + 1];
        private readonly Lock _lock = new();
        private double _sum;

        public void Record(double value)
        {
            var i = 0;
            while (i < s_buckets.Length && value > s_buckets[i])
            {
                i++;
            }

            lock (_lock)
            {
                _counts[i]++;
                _sum += value;
            }
        }

        public void Render(StringBuilder text, string name, string labels)
        {
            long[] counts;
            double sum;
            lock (_lock)
            {
                counts = (long[])_counts.Clone();
                sum = _sum;
            }

            var prefix = labels.Length == 0 ? "" : labels + ",";
            long cumulative = 0;
            for (var i = 0; i < s_buckets.Length; i++)
            {
                cumulative += counts[i];
                text.Append(name).Append("_bucket{").Append(prefix).Append("le=\"")
                    .Append(s_buckets[i].ToString(CultureInfo.InvariantCulture)).Append("\"} ").Append(cumulative).Append('\n');
            }

            cumulative += counts[^1];
            text.Append(name).Append("_bucket{").Append(prefix).Append("le=\"+Inf\"} ").Append(cumulative).Append('\n');
            text.Append(name).Append("_sum").Append(Braces(labels)).Append(' ').Append(sum.ToString(CultureInfo.InvariantCulture)).Append('\n');
            text.Append(name).Append("_count").Append(Braces(labels)).Append(' ').Append(cumulative).Append('\n');
        }
    }
}
