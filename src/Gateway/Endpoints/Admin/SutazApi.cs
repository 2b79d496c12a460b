using SutazAi.Gateway.Auth;
using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;
using Polly.CircuitBreaker;
using SutazAi.Gateway.Agents;
using SutazAi.Gateway.Caching;
using SutazAi.Gateway.Endpoints.Ollama;
using SutazAi.Gateway.Errors;
using SutazAi.Gateway.Hosting;
using SutazAi.Gateway.Observability;
using SutazAi.Gateway.Protocol.Ollama;
using SutazAi.Gateway.Protocol.Sutaz;
using SutazAi.Gateway.Storage;
using SutazAi.Gateway.Streaming;
using SutazAi.Gateway.Upstreams;

namespace SutazAi.Gateway.Endpoints.Admin;

/// <summary>The SutazAI inference routes (seed spec §2, Appendix A): health, chat, models; answers in the §6 envelope.</summary>
internal static class SutazApi
{
    public static RouteGroupBuilder MapSutazApi(this IEndpointRouteBuilder app)
    {
        app.MapGet("/health", Health).WithName("Health").AllowAnonymous().WithTags("Health");
        app.MapGet("/health/ready", Ready).WithName("HealthReady").AllowAnonymous().WithTags("Health");
        app.MapGet("/health/live", () => TypedResults.Ok(new HealthReply { Status = "alive" })).WithName("HealthLive").AllowAnonymous().WithTags("Health");
        app.MapGet("/metrics", (PrometheusExporter exporter) => TypedResults.Text(exporter.Render(), "text/plain; version=0.0.4; charset=utf-8")).WithName("Metrics").WithTags("Health");

        var group = app.MapGroup("/api/v1").WithTags("SutazAI");
        group.MapGet("/health/detailed", DetailedHealth).WithName("HealthDetailed");
        group.MapGet("/health/circuit-breakers", CircuitBreakers).WithName("HealthCircuitBreakers");
        group.MapPost("/chat", ChatAsync).WithName("SutazChat");
        group.MapPost("/chat/stream", ChatStreamAsync).WithName("SutazChatStream");
        group.MapPost("/chat/batch", ChatBatchAsync).WithName("SutazChatBatch");
        group.MapGet("/models", ModelsAsync).WithName("SutazModels");
        group.MapGet("/models/{**model}", ModelInfoAsync).WithName("SutazModelInfo");
        group.MapPost("/models/pull", PullAsync).WithName("SutazModelPull").RequireAdmin();
        group.MapDelete("/models/{**model}", DeleteModelAsync).WithName("SutazModelDelete").RequireAdmin();
        return group;
    }

    /// <summary>
    /// Readiness for a load balancer: 503 until the database schema is in place and while the database or every
    /// Ollama server is unreachable; otherwise the same answer as /health.
    /// </summary>
    private static JsonHttpResult<HealthReply> Ready(HttpContext context, UpstreamPool pool, StoreHealth store, ResponseCache cache, TimeProvider time)
    {
        var health = Health(context, pool, store, cache, time);
        var ready = store.Migrated && store.Healthy && health.StatusCode == 200;
        return ready ? health : TypedResults.Json(health.Value!, SutazJsonContext.Default.HealthReply, statusCode: 503);
    }

    /// <summary>Readiness from cached state: 503 only when no Ollama server answers; a database outage degrades (inference still works).</summary>
    private static JsonHttpResult<HealthReply> Health(HttpContext context, UpstreamPool pool, StoreHealth store, ResponseCache cache, TimeProvider time)
    {
        var healthy = pool.Servers.Count(s => s.Healthy);
        var ollama = healthy == pool.Servers.Count ? "healthy" : healthy > 0 ? "degraded" : "unhealthy";
        var database = store.Healthy ? "healthy" : "unhealthy";
        var redisDown = cache.RedisConfigured && !cache.RedisHealthy;
        var status = ollama == "unhealthy" ? "unhealthy" : ollama == "degraded" || !store.Healthy || redisDown ? "degraded" : "healthy";
        var reply = new HealthReply
        {
            Status = status,
            Timestamp = time.GetUtcNow(),
            Services = new() { ["ollama"] = ollama, ["database"] = database },
            Performance = new HealthPerformance { ResponseTimeMs = RequestTiming.ElapsedMilliseconds(context, time) ?? 0 },
        };
        if (cache.RedisConfigured)
        {
            // Redis only holds the cache: while it is away the in-process cache answers, so this degrades, never fails.
            reply.Services["redis"] = redisDown ? "unavailable (in-process cache fallback)" : "healthy";
        }

        return TypedResults.Json(reply, SutazJsonContext.Default.HealthReply, statusCode: healthy > 0 ? 200 : 503);
    }

    private static Ok<Envelope<DetailedHealth>> DetailedHealth(HttpContext context, UpstreamPool pool, StoreHealth store, GatewayMetrics metrics, TimeProvider time)
    {
        var servers = pool.Servers.Select(s => new ServerHealth
        {
            Name = s.Name,
            Status = s.Healthy ? "healthy" : "unhealthy",
            Version = s.Version,
            LatencyMs = s.LatencyMs is { } l ? Math.Round(l, 3) : null,
            CircuitBreaker = CircuitName(s.BreakerState.CircuitState),
            Models = s.Catalog?.Entries.Count ?? 0,
            InFlight = s.Outstanding,
            LastChecked = s.LastChecked,
        }).ToList();
        var healthy = servers.Count(s => s.Status == "healthy");
        var overall = healthy == servers.Count ? "healthy" : healthy > 0 ? "degraded" : "unhealthy";

        using var process = Process.GetCurrentProcess();
        var uptime = metrics.Uptime.TotalSeconds;
        var memory = GC.GetGCMemoryInfo();
        var detail = new DetailedHealth
        {
            OverallStatus = overall,
            Timestamp = time.GetUtcNow(),
            Services = new DetailedServices
            {
                Ollama = new OllamaHealth { Status = overall, Servers = servers },
                Database = new DatabaseHealth
                {
                    Status = store.Healthy ? "healthy" : "unhealthy",
                    Provider = store.Provider == StoreProvider.Postgres ? "postgresql" : "sqlite",
                    LatencyMs = store.LatencyMs,
                    LastChecked = store.LastChecked,
                },
            },
            PerformanceMetrics = new PerformanceMetrics
            {
                RequestsTotal = metrics.RequestCount,
                RequestsPerSecond = uptime > 0 ? Math.Round(metrics.RequestCount / uptime, 3) : 0,
                AvgResponseTimeMs = Math.Round(metrics.AverageDurationMs, 3),
                ErrorRate = metrics.RequestCount == 0 ? 0 : Math.Round((double)metrics.ErrorCount / metrics.RequestCount, 4),
            },
            SystemResources = new SystemResources
            {
                CpuPercent = uptime > 0 ? Math.Round(process.TotalProcessorTime.TotalSeconds / uptime / Environment.ProcessorCount * 100, 2) : 0,
                MemoryPercent = memory.TotalAvailableMemoryBytes > 0 ? Math.Round(100.0 * process.WorkingSet64 / memory.TotalAvailableMemoryBytes, 2) : 0,
                WorkingSetBytes = process.WorkingSet64,
                GcHeapBytes = GC.GetTotalMemory(forceFullCollection: false),
                Threads = process.Threads.Count,
                UptimeSeconds = Math.Round(uptime, 1),
            },
        };
        foreach (var server in servers.Where(s => s.Status != "healthy"))
        {
            detail.Alerts.Add($"{server.Name} is unhealthy");
        }

        foreach (var server in servers.Where(s => s.CircuitBreaker != "closed"))
        {
            detail.Alerts.Add($"{server.Name} circuit is {server.CircuitBreaker}");
        }

        if (!store.Healthy)
        {
            detail.Alerts.Add("the database is unreachable: task and state routes answer 503");
        }

        if (healthy == 0)
        {
            detail.Recommendations.Add("No Ollama server answers: check Ollama:Servers and that the servers are running.");
        }

        return TypedResults.Ok(Envelope.Success(context, detail, time));
    }

    private static Ok<Envelope<CircuitBreakerReply>> CircuitBreakers(HttpContext context, UpstreamPool pool, TimeProvider time)
    {
        var settings = pool.BreakerSettings;
        var reply = new CircuitBreakerReply
        {
            CircuitBreakers = [.. pool.Servers.Select(s => new CircuitBreakerState
            {
                Name = s.Name,
                State = CircuitName(s.BreakerState.CircuitState),
                FailureRatio = settings.FailureRatio,
                MinimumThroughput = settings.MinimumThroughput,
                SamplingDurationSeconds = settings.SamplingDuration.TotalSeconds,
                BreakDurationSeconds = settings.BreakDuration.TotalSeconds,
                LastFailureAt = s.LastFailureAt,
                OpenedCount = s.OpenedCount,
            })],
        };
        return TypedResults.Ok(Envelope.Success(context, reply, time));
    }

    private static async Task<Ok<Envelope<SutazChatReply>>> ChatAsync(HttpContext context, CachedUpstream upstream, OllamaRequestRules rules,
        IOptions<GatewayOptions> gateway, GatewayMetrics metrics, TimeProvider time)
    {
        var request = await RequestBody.ReadAsync(context.Request, SutazJsonContext.Default.SutazChatRequest).ConfigureAwait(false);
        var reply = await SutazChat.CompleteAsync(request, upstream, rules, gateway.Value, metrics, "", context.RequestAborted).ConfigureAwait(false);
        return TypedResults.Ok(Envelope.Success(context, reply, time));
    }

    private static async Task<EmptyHttpResult> ChatStreamAsync(HttpContext context, UpstreamPool pool, ResponseCache cache, OllamaRequestRules rules,
        IOptions<GatewayOptions> gateway, GatewayMetrics metrics, AgentChat agents, TimeProvider time)
    {
        var request = await RequestBody.ReadAsync(context.Request, SutazJsonContext.Default.SutazChatRequest).ConfigureAwait(false);
        var (ollama, body) = SutazChat.ToOllama(request, gateway.Value, rules, stream: true);
        var model = ollama.Model!;
        var ct = context.RequestAborted;
        if (AgentChat.IsAgentModel(model, out _))
        {
            var agent = await agents.ResolveAsync(model, ct).ConfigureAwait(false);
            using var stream = ResponseStreamWriter.StartSse(context.Response);
            try
            {
                await foreach (var chunk in agents.StreamAsync(agent, ollama, ct).ConfigureAwait(false))
                {
                    await (chunk.Done ? WriteFinishAsync(stream, chunk, ct) : WriteTokenAsync(stream, chunk, ct)).ConfigureAwait(false);
                }
            }
            catch (GatewayException error)
            {
                await WriteStreamErrorAsync(stream, error, ct).ConfigureAwait(false);
            }

            return TypedResults.Empty;
        }

        var key = cache.ChatKey(ollama);
        if (await cache.GetAsync(key, ct).ConfigureAwait(false) is { } stored)
        {
            // A cached answer is replayed as a well-formed stream: its text as one token event, then the finish event.
            var answer = CachedUpstream.Parse(stored);
            using var replay = ResponseStreamWriter.StartSse(context.Response);
            await WriteTokenAsync(replay, answer, ct).ConfigureAwait(false);
            await WriteFinishAsync(replay, answer, ct).ConfigureAwait(false);
            return TypedResults.Empty;
        }

        using var sse = new SseResponse(context.Response);
        try
        {
            var pending = pool.SendAsync(UpstreamRequest.Post("api/chat", model, body, streaming: true), ct);
            await using var lease = await sse.OpenAsync(pending, gateway.Value.SseHeartbeatInterval, time, ct).ConfigureAwait(false);
            await lease.ThrowIfRejectedAsync(model).ConfigureAwait(false);
            var writer = sse.Writer;
            var recording = cache.Record(key);
            var final = await lease.RelayAsync(async (line, chunk) =>
            {
                recording?.Add(line, chunk);
                await WriteTokenAsync(writer, chunk, ct).ConfigureAwait(false);
            }, untilDone: true).ConfigureAwait(false);

            metrics.Tokens(model, final!.PromptEvalCount, final.EvalCount);
            await WriteFinishAsync(writer, final, ct).ConfigureAwait(false);
            await cache.StoreAsync(recording).ConfigureAwait(false);
        }
        catch (GatewayException error) when (sse.Started)
        {
            await WriteStreamErrorAsync(sse.Writer, error, ct).ConfigureAwait(false);
        }

        return TypedResults.Empty;
    }

    private static async Task WriteTokenAsync(ResponseStreamWriter writer, OllamaChatResponse chunk, CancellationToken ct)
    {
        if (!string.IsNullOrEmpty(chunk.Message?.Content))
        {
            await writer.WriteSseAsync(new SutazStreamEvent { Token = chunk.Message.Content }, SutazJsonContext.Default.SutazStreamEvent, ct).ConfigureAwait(false);
        }
    }

    private static async Task WriteFinishAsync(ResponseStreamWriter writer, OllamaChatResponse final, CancellationToken ct) =>
        await writer.WriteSseAsync(new SutazStreamEvent { Finish = true, TokensUsed = (final.PromptEvalCount ?? 0) + (final.EvalCount ?? 0) },
            SutazJsonContext.Default.SutazStreamEvent, ct).ConfigureAwait(false);

    private static async Task<Ok<Envelope<SutazBatchReply>>> ChatBatchAsync(HttpContext context, CachedUpstream upstream, OllamaRequestRules rules,
        IOptions<GatewayOptions> gateway, IOptions<LimitsOptions> limits, GatewayMetrics metrics, TimeProvider time)
    {
        var batch = await RequestBody.ReadAsync(context.Request, SutazJsonContext.Default.SutazBatchRequest).ConfigureAwait(false);
        var requests = batch.Requests is { Count: > 0 } r ? r : throw GatewayException.Invalid("requests must be a non-empty array", "requests");
        if (requests.Count > limits.Value.MaxBatchRequests)
        {
            throw GatewayException.Invalid($"requests has more than {limits.Value.MaxBatchRequests} entries", "requests");
        }

        var result = await SutazChat.BatchAsync(requests, upstream, rules, gateway.Value, metrics, context.RequestAborted).ConfigureAwait(false);
        return TypedResults.Ok(Envelope.Success(context, result, time));
    }

    private static async Task<Ok<Envelope<SutazModelsReply>>> ModelsAsync(HttpContext context, ModelDirectory directory, UpstreamPool pool,
        IOptions<GatewayOptions> gateway, GatewayMetrics metrics, TimeProvider time)
    {
        var entries = await directory.ListAsync(context.RequestAborted).ConfigureAwait(false);
        var loaded = (await pool.RunningModelsAsync(context.RequestAborted).ConfigureAwait(false))
            .Select(e => ModelName.Normalize(e.Name)).ToHashSet(StringComparer.Ordinal);
        var reply = new SutazModelsReply
        {
            DefaultModel = gateway.Value.DefaultModel,
            Models = [.. entries.Select(e => new SutazModel
            {
                Name = e.Name,
                Size = FormatSize(e.Size),
                Status = loaded.Contains(ModelName.Normalize(e.Name)) ? "loaded" : "available",
                LastUsed = metrics.LastUsed(e.Name),
            })],
        };
        return TypedResults.Ok(Envelope.Success(context, reply, time));
    }

    private static async Task<EmptyHttpResult> ModelInfoAsync(HttpContext context, string model, UpstreamPool pool, TimeProvider time)
    {
        if (!model.EndsWith("/info", StringComparison.Ordinal))
        {
            throw new GatewayException(ErrorKind.NotFound, "no such route");
        }

        model = ModelName.Validate(model[..^"/info".Length]);
        var body = JsonSerializer.SerializeToUtf8Bytes(new Dictionary<string, JsonElement> { ["model"] = JsonSerializer.SerializeToElement(model, OllamaJsonContext.Default.String) },
            OllamaJsonContext.Default.DictionaryStringJsonElement);
        await using var lease = await pool.SendAsync(UpstreamRequest.Post("api/show", model, body, streaming: false), context.RequestAborted).ConfigureAwait(false);
        await lease.ThrowIfRejectedAsync(model).ConfigureAwait(false);
        var info = await lease.ReadJsonAsync(SutazJsonContext.Default.JsonElement).ConfigureAwait(false);
        await context.Response.WriteAsJsonAsync(Envelope.Success(context, info, time), SutazJsonContext.Default.EnvelopeJsonElement, contentType: null, context.RequestAborted).ConfigureAwait(false);
        return TypedResults.Empty;
    }

    /// <summary>Pull on one server with the progress streamed as SSE (each event is one of Ollama's status objects).</summary>
    private static async Task<EmptyHttpResult> PullAsync(HttpContext context, UpstreamPool pool)
    {
        var request = await RequestBody.ReadAsync(context.Request, SutazJsonContext.Default.SutazPullRequest).ConfigureAwait(false);
        var model = ModelName.Validate(request.Model);
        var body = JsonSerializer.SerializeToUtf8Bytes(new Dictionary<string, JsonElement>
        {
            ["model"] = JsonSerializer.SerializeToElement(model, OllamaJsonContext.Default.String),
            ["stream"] = JsonSerializer.SerializeToElement(true, OllamaJsonContext.Default.Boolean),
        }, OllamaJsonContext.Default.DictionaryStringJsonElement);
        await using var lease = await pool.SendAsync(new UpstreamRequest(HttpMethod.Post, "api/pull", null, body, Streaming: true), context.RequestAborted).ConfigureAwait(false);
        await lease.ThrowIfRejectedAsync(model: null).ConfigureAwait(false);

        using var writer = ResponseStreamWriter.StartSse(context.Response);
        var ct = context.RequestAborted;
        try
        {
            await lease.RelayAsync((line, _) => writer.WriteSseRawAsync(line, ct), untilDone: false).ConfigureAwait(false);
            await pool.RefreshCatalogsAsync(ct).ConfigureAwait(false);
        }
        catch (GatewayException error)
        {
            await WriteStreamErrorAsync(writer, error, ct).ConfigureAwait(false);
        }

        return TypedResults.Empty;
    }

    private static async Task<NoContent> DeleteModelAsync(HttpContext context, string model, UpstreamPool pool)
    {
        model = ModelName.Validate(model);
        var body = JsonSerializer.SerializeToUtf8Bytes(new Dictionary<string, JsonElement> { ["model"] = JsonSerializer.SerializeToElement(model, OllamaJsonContext.Default.String) },
            OllamaJsonContext.Default.DictionaryStringJsonElement);
        await pool.SendToServersWithModelAsync(new UpstreamRequest(HttpMethod.Delete, "api/delete", model, body, Streaming: false), context.RequestAborted).ConfigureAwait(false);
        return TypedResults.NoContent();
    }

    /// <summary>The in-band end of a SutazAI SSE stream that failed after its headers.</summary>
    private static async Task WriteStreamErrorAsync(ResponseStreamWriter writer, GatewayException error, CancellationToken cancellationToken)
    {
        var failure = new SutazStreamError { Error = new EnvelopeError { Code = error.SutazCode, Message = error.Message } };
        await writer.WriteSseAsync(failure, SutazJsonContext.Default.SutazStreamError, cancellationToken).ConfigureAwait(false);
    }

    private static string CircuitName(CircuitState state) => state switch
    {
        CircuitState.Closed => "closed",
        CircuitState.HalfOpen => "half_open",
        CircuitState.Open => "open",
        _ => "isolated",
    };

    private static string FormatSize(long bytes) => bytes switch
    {
        >= 1L << 30 => (bytes / (double)(1L << 30)).ToString("0.#", CultureInfo.InvariantCulture) + "GB",
        >= 1L << 20 => (bytes / (double)(1L << 20)).ToString("0", CultureInfo.InvariantCulture) + "MB",
        _ => (bytes / 1024.0).ToString("0", CultureInfo.InvariantCulture) + "KB",
    };
}
