using System.Diagnostics;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using Microsoft.Extensions.Options;
using Polly;
using Polly.CircuitBreaker;
using SutazAi.Gateway.Errors;
using SutazAi.Gateway.Hosting;
using SutazAi.Gateway.Observability;
using SutazAi.Gateway.Protocol.Ollama;

namespace SutazAi.Gateway.Upstreams;

/// <summary>
/// The Ollama servers behind the gateway: picks a server that has the model, fails over to another one
/// only before the first response byte, and runs every call inside that server's circuit breaker.
/// </summary>
internal sealed partial class UpstreamPool : IDisposable
{
    private static readonly MediaTypeHeaderValue s_json = new("application/json");

    private readonly HttpClient _http;
    private readonly OllamaOptions _options;
    private readonly TimeProvider _time;
    private readonly GatewayMetrics _metrics;
    private readonly ILogger<UpstreamPool> _logger;
    private readonly Lock _refreshLock = new();
    private Task? _refresh;
    private long _lastMissRefresh;
    private uint _next;

    public UpstreamPool(IOptions<OllamaOptions> options, TimeProvider time, GatewayMetrics metrics, ILogger<UpstreamPool> logger)
        : this(CreateHandler(options.Value), options, time, metrics, logger)
    {
    }

    internal UpstreamPool(HttpMessageHandler handler, IOptions<OllamaOptions> options, TimeProvider time, GatewayMetrics metrics, ILogger<UpstreamPool> logger)
    {
        _options = options.Value;
        _time = time;
        _metrics = metrics;
        _logger = logger;
        // Generation has no total timeout: UpstreamDeadline bounds each phase instead.
        _http = new HttpClient(handler) { Timeout = Timeout.InfiniteTimeSpan };
        Servers = [.. _options.Servers.Select((url, i) => CreateServer(i, new Uri(url.EndsWith('/') ? url : url + "/")))];
        _lastMissRefresh = time.GetTimestamp() - (long)(_options.MissRefreshInterval.TotalSeconds * time.TimestampFrequency) - 1;
    }

    public IReadOnlyList<OllamaServer> Servers { get; }

    public CircuitBreakerSettings BreakerSettings => _options.CircuitBreaker;

    /// <summary>
    /// Sends the request to the best server that has the model and returns once response headers arrived.
    /// Throws <see cref="GatewayException"/> (after trying every candidate) or, when the client left, cancellation.
    /// </summary>
    public async Task<UpstreamLease> SendAsync(UpstreamRequest request, CancellationToken clientToken)
    {
        var candidates = await CandidatesAsync(request.Model, clientToken).ConfigureAwait(false);
        GatewayException? last = null;
        foreach (var server in candidates)
        {
            try
            {
                return await TrySendAsync(server, request, clientToken).ConfigureAwait(false);
            }
            catch (GatewayException error) when (error.AllowsFailover)
            {
                // Nothing reached the client yet, so another server may still answer invisibly.
                last = last is null || last.Kind == ErrorKind.CircuitOpen ? error : last;
                LogFailover(_logger, server.Name, error.Code);
            }
        }

        throw last ?? new GatewayException(ErrorKind.UpstreamUnavailable, "no upstream model server is configured");
    }

    /// <summary>One specific server, no failover (listings and commands that act on every server).</summary>
    public Task<UpstreamLease> SendToAsync(OllamaServer server, UpstreamRequest request, CancellationToken clientToken) =>
        TrySendAsync(server, request, clientToken);

    /// <summary>The servers whose last catalog lists the model.</summary>
    public IReadOnlyList<OllamaServer> ServersWithModel(string model)
    {
        var key = ModelName.Normalize(model);
        return [.. Servers.Where(s => s.Catalog?.Contains(key) == true)];
    }

    /// <summary>
    /// copy and delete act on every server that has the model; succeeds if any server did, otherwise
    /// throws the last failure. Catalogs are refreshed afterwards so routing sees the change at once.
    /// </summary>
    public async Task SendToServersWithModelAsync(UpstreamRequest request, CancellationToken cancellationToken)
    {
        var model = request.Model!;
        var targets = ServersWithModel(model);
        if (targets.Count == 0)
        {
            await RefreshCatalogsAsync(cancellationToken).ConfigureAwait(false);
            targets = ServersWithModel(model);
        }

        if (targets.Count == 0)
        {
            throw GatewayException.ModelNotFound(model);
        }

        GatewayException? last = null;
        var succeeded = 0;
        foreach (var server in targets)
        {
            try
            {
                await using var lease = await TrySendAsync(server, request, cancellationToken).ConfigureAwait(false);
                await lease.ThrowIfRejectedAsync(model).ConfigureAwait(false);
                succeeded++;
            }
            catch (GatewayException error)
            {
                last = error;
            }
        }

        await RefreshCatalogsAsync(cancellationToken).ConfigureAwait(false);
        if (succeeded == 0)
        {
            throw last!;
        }
    }

    /// <summary>Loaded models are live state: every server is asked (/api/ps); one that fails is left out.</summary>
    public async Task<IReadOnlyList<OllamaModelEntry>> RunningModelsAsync(CancellationToken cancellationToken)
    {
        var lists = await Task.WhenAll(Servers.Select(async server =>
        {
            try
            {
                await using var lease = await TrySendAsync(server, UpstreamRequest.Get("api/ps"), cancellationToken).ConfigureAwait(false);
                await lease.ThrowIfRejectedAsync(model: null).ConfigureAwait(false);
                return ModelCatalog.Valid((await lease.ReadJsonAsync(OllamaJsonContext.Default.OllamaModelList).ConfigureAwait(false)).Models);
            }
            catch (GatewayException)
            {
                return [];
            }
        })).ConfigureAwait(false);
        return [.. lists.SelectMany(l => l)];
    }

    /// <summary>
    /// Listings answer from cached catalogs; a catalog never read yet (start-up, a server that was down) is read
    /// first, at most once per MissRefreshInterval so a dead server cannot slow every listing.
    /// </summary>
    public async ValueTask EnsureCatalogsAsync(CancellationToken cancellationToken)
    {
        if (Servers.All(s => s.Catalog is null) || (Servers.Any(s => s.Catalog is null) && TryClaimMissRefresh()))
        {
            await RefreshCatalogsAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Every server's /api/tags, in parallel; a server that fails keeps its last good catalog.</summary>
    public Task RefreshCatalogsAsync(CancellationToken cancellationToken)
    {
        lock (_refreshLock)
        {
            if (_refresh is { IsCompleted: false } running)
            {
                return running.WaitAsync(cancellationToken);
            }

            _refresh = Task.WhenAll(Servers.Select(s => RefreshCatalogAsync(s, CancellationToken.None)));
            return _refresh.WaitAsync(cancellationToken);
        }
    }

    /// <summary>Health polling: /api/version for liveness and latency, /api/tags when due. Never generates tokens.</summary>
    public async Task ProbeAsync(OllamaServer server, CancellationToken cancellationToken)
    {
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        cts.CancelAfter(_options.HealthTimeout);
        var started = _time.GetTimestamp();
        try
        {
            var version = await _http.GetFromJsonAsync(new Uri(server.BaseUri, "api/version"), OllamaJsonContext.Default.OllamaVersion, cts.Token).ConfigureAwait(false);
            server.LatencyMs = _time.GetElapsedTime(started).TotalMilliseconds;
            server.Version = version?.Version;
            server.Healthy = true;
        }
        catch (Exception e) when (e is HttpRequestException or OperationCanceledException or System.Text.Json.JsonException && !cancellationToken.IsCancellationRequested)
        {
            server.Healthy = false;
            server.LastFailureAt = _time.GetUtcNow();
            LogProbeFailed(_logger, server.Name, e.GetType().Name);
        }

        server.LastChecked = _time.GetUtcNow();
        if (server.Healthy && _time.GetUtcNow() - server.TagsFetchedAt >= _options.TagsRefreshInterval)
        {
            await RefreshCatalogAsync(server, cancellationToken).ConfigureAwait(false);
        }
    }

    public void Dispose() => _http.Dispose();

    private static SocketsHttpHandler CreateHandler(OllamaOptions options) => new()
    {
        ConnectTimeout = options.ConnectTimeout,
        MaxConnectionsPerServer = options.MaxConnectionsPerServer,
        PooledConnectionIdleTimeout = TimeSpan.FromMinutes(1),
        PooledConnectionLifetime = TimeSpan.FromMinutes(10),
        AutomaticDecompression = System.Net.DecompressionMethods.None,
        UseCookies = false,
        UseProxy = false,
        AllowAutoRedirect = false,
    };

    private OllamaServer CreateServer(int index, Uri baseUri)
    {
        var settings = _options.CircuitBreaker;
        var state = new CircuitBreakerStateProvider();
        OllamaServer? server = null;
        var pipeline = new ResiliencePipelineBuilder { TimeProvider = _time }
            .AddCircuitBreaker(new CircuitBreakerStrategyOptions
            {
                FailureRatio = settings.FailureRatio,
                MinimumThroughput = settings.MinimumThroughput,
                SamplingDuration = settings.SamplingDuration,
                BreakDuration = settings.BreakDuration,
                StateProvider = state,
                // Client cancellations, 4xx and unknown models are not the server's fault.
                ShouldHandle = static args => ValueTask.FromResult(args.Outcome.Exception is GatewayException { IsUpstreamFault: true }),
                OnOpened = args =>
                {
                    server!.Opened();
                    LogCircuitOpened(_logger, server.Name, args.BreakDuration.TotalSeconds);
                    return ValueTask.CompletedTask;
                },
                OnClosed = _ =>
                {
                    LogCircuitClosed(_logger, server!.Name);
                    return ValueTask.CompletedTask;
                },
            })
            .Build();
        server = new OllamaServer(index, baseUri, pipeline, state);
        return server;
    }

    private async ValueTask<IReadOnlyList<OllamaServer>> CandidatesAsync(string? model, CancellationToken cancellationToken)
    {
        if (model is null)
        {
            return Order(Servers);
        }

        var key = ModelName.Normalize(model);
        if (Servers.All(s => s.Catalog is null))
        {
            // No model list read yet (just started): read them once rather than guess.
            await RefreshCatalogsAsync(cancellationToken).ConfigureAwait(false);
        }

        var having = Servers.Where(s => s.HasModel(key)).ToArray();
        if (having.Length == 0 && TryClaimMissRefresh())
        {
            await RefreshCatalogsAsync(cancellationToken).ConfigureAwait(false);
            having = [.. Servers.Where(s => s.HasModel(key))];
        }

        return having.Length == 0 ? throw GatewayException.ModelNotFound(model) : Order(having);
    }

    private bool TryClaimMissRefresh()
    {
        var now = _time.GetTimestamp();
        var last = Interlocked.Read(ref _lastMissRefresh);
        return _time.GetElapsedTime(last, now) >= _options.MissRefreshInterval
            && Interlocked.CompareExchange(ref _lastMissRefresh, now, last) == last;
    }

    private OllamaServer[] Order(IReadOnlyList<OllamaServer> servers)
    {
        var start = (int)(Interlocked.Increment(ref _next) % (uint)servers.Count);
        var ordered = new OllamaServer[servers.Count];
        for (var i = 0; i < ordered.Length; i++)
        {
            ordered[i] = servers[(start + i) % servers.Count];
        }

        if (ordered.Length > 1)
        {
            // Stable sort keeps the round-robin rotation among equals: healthy and closed circuits first.
            var byPreference = ordered.OrderBy(s => s.Healthy ? 0 : 1)
                .ThenBy(s => s.BreakerState.CircuitState == CircuitState.Closed ? 0 : 1);
            ordered = _options.Strategy == RoutingStrategy.LeastOutstanding
                ? [.. byPreference.ThenBy(s => s.Outstanding)]
                : [.. byPreference];
        }

        return ordered;
    }

    private async Task<UpstreamLease> TrySendAsync(OllamaServer server, UpstreamRequest request, CancellationToken clientToken)
    {
        var deadline = new UpstreamDeadline(_time, request.Streaming ? _options.FirstByteTimeout : _options.ResponseTimeout,
            _options.StreamIdleTimeout, _options.MaxStreamDuration, clientToken);
        var call = new Call(this, server, request, deadline);
        server.Enter();
        var started = _time.GetTimestamp();
        var execution = server.Breaker.ExecuteAsync(static (c, _) => c.RunAsync(), call, CancellationToken.None).AsTask();
        await Task.WhenAny(call.Headers.Task, execution).ConfigureAwait(false);
        if (call.Headers.Task.IsCompletedSuccessfully)
        {
            return new UpstreamLease(server, call.Headers.Task.Result, deadline, call.Outcome, execution, (lease, failure) =>
            {
                lease.Server.Leave();
                _metrics.UpstreamCall(lease.Server.Name, failure?.Code ?? "ok", _time.GetElapsedTime(started));
                if (failure is { IsUpstreamFault: true })
                {
                    lease.Server.LastFailureAt = _time.GetUtcNow();
                }
            });
        }

        await execution.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        deadline.Dispose();
        server.Leave();
        if (execution.Exception?.InnerException is BrokenCircuitException broken)
        {
            _metrics.UpstreamCall(server.Name, "upstream_circuit_open", TimeSpan.Zero);
            throw new GatewayException(ErrorKind.CircuitOpen, "the upstream model server is temporarily unavailable (circuit open)",
                retryAfter: broken.RetryAfter ?? _options.CircuitBreaker.BreakDuration);
        }

        if (call.Headers.Task.IsCanceled)
        {
            _metrics.UpstreamCall(server.Name, "client_cancelled", _time.GetElapsedTime(started));
            throw new OperationCanceledException(clientToken);
        }

        var error = call.Headers.Task.Exception?.InnerException as GatewayException
            ?? new GatewayException(ErrorKind.UpstreamError, "the upstream model server failed");
        _metrics.UpstreamCall(server.Name, error.Code, _time.GetElapsedTime(started));
        if (error.IsUpstreamFault)
        {
            server.LastFailureAt = _time.GetUtcNow();
        }

        throw error;
    }

    private async Task RefreshCatalogAsync(OllamaServer server, CancellationToken cancellationToken)
    {
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        cts.CancelAfter(_options.HealthTimeout);
        try
        {
            var list = await _http.GetFromJsonAsync(new Uri(server.BaseUri, "api/tags"), OllamaJsonContext.Default.OllamaModelList, cts.Token).ConfigureAwait(false);
            server.Catalog = new ModelCatalog(list?.Models ?? []);
            server.TagsFetchedAt = _time.GetUtcNow();
        }
        catch (Exception e) when (e is HttpRequestException or OperationCanceledException or System.Text.Json.JsonException && !cancellationToken.IsCancellationRequested)
        {
            LogTagsFailed(_logger, server.Name, e.GetType().Name);
        }
    }

    /// <summary>One attempt on one server, run inside that server's circuit breaker.</summary>
    private sealed class Call(UpstreamPool pool, OllamaServer server, UpstreamRequest request, UpstreamDeadline deadline)
    {
        // Continuations run inline on purpose: the caller picks up the response on the thread that received it,
        // and the breaker records the outcome on the thread that disposed the lease, with no thread-pool hop.
        public TaskCompletionSource<HttpResponseMessage> Headers { get; } = new();

        public TaskCompletionSource<GatewayException?> Outcome { get; } = new();

        public async ValueTask RunAsync()
        {
            HttpResponseMessage response;
            using (var message = new HttpRequestMessage(request.Method, new Uri(server.BaseUri, request.Path)))
            {
                if (request.Body is { } body)
                {
                    message.Content = new ReadOnlyMemoryContent(body) { Headers = { ContentType = s_json } };
                }

                try
                {
                    response = await pool._http.SendAsync(message, HttpCompletionOption.ResponseHeadersRead, deadline.Token).ConfigureAwait(false);
                }
                catch (Exception e) when (deadline.ClientGone)
                {
                    Headers.TrySetCanceled(deadline.Token);
                    throw new OperationCanceledException("The client disconnected.", e, deadline.Token);
                }
                catch (Exception e) when (e is HttpRequestException or OperationCanceledException or IOException)
                {
                    var error = UpstreamErrorClassifier.FromException(e, deadline, headersReceived: false);
                    Headers.TrySetException(error);
                    throw error;
                }
            }

            if (UpstreamErrorClassifier.FromStatus(response.StatusCode, response.Headers) is { } statusError)
            {
                response.Dispose();
                Headers.TrySetException(statusError);
                throw statusError;
            }

            deadline.HeadersReceived();
            Headers.TrySetResult(response);
            if (await Outcome.Task.ConfigureAwait(false) is { } failure)
            {
                throw failure;
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Upstream {Server} failed before the first byte ({Code}); trying the next server")]
    private static partial void LogFailover(ILogger logger, string server, string code);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Circuit of upstream {Server} opened for {Seconds} s")]
    private static partial void LogCircuitOpened(ILogger logger, string server, double seconds);

    [LoggerMessage(Level = LogLevel.Information, Message = "Circuit of upstream {Server} closed")]
    private static partial void LogCircuitClosed(ILogger logger, string server);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Health probe of upstream {Server} failed ({Error})")]
    private static partial void LogProbeFailed(ILogger logger, string server, string error);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Model list of upstream {Server} could not be read ({Error})")]
    private static partial void LogTagsFailed(ILogger logger, string server, string error);
}
