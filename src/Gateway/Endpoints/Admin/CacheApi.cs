using SutazAi.Gateway.Auth;
using System.Text.Json;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;
using SutazAi.Gateway.Caching;
using SutazAi.Gateway.Errors;
using SutazAi.Gateway.Hosting;
using SutazAi.Gateway.Protocol.Sutaz;
using SutazAi.Gateway.Storage.Tasks;
using SutazAi.Gateway.Tasks;

namespace SutazAi.Gateway.Endpoints.Admin;

/// <summary>The response cache's management routes (seed spec Appendix A: stats, clear, warm, keys).</summary>
internal static class CacheApi
{
    private const int MaxPerPage = 500;

    public static RouteGroupBuilder MapCacheApi(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/v1/cache").WithTags("Cache");
        group.MapGet("/stats", StatsAsync).WithName("CacheStats");
        group.MapPost("/clear", ClearAsync).WithName("CacheClear").RequireAdmin();
        group.MapGet("/keys", KeysAsync).WithName("CacheKeys");
        group.MapPost("/warm", WarmAsync).WithName("CacheWarm");
        return group;
    }

    private static async Task<Ok<Envelope<CacheStatsView>>> StatsAsync(HttpContext context, ResponseCache cache, TimeProvider time)
    {
        var (backend, stats) = await cache.StatisticsAsync(context.RequestAborted).ConfigureAwait(false);
        return TypedResults.Ok(Envelope.Success(context, new CacheStatsView
        {
            Backend = backend,
            Hits = stats.Hits,
            Misses = stats.Misses,
            HitRate = Math.Round(stats.HitRate, 4),
            Keys = stats.Keys,
            MemoryUsedBytes = stats.MemoryBytes,
            AverageTtlSeconds = Math.Round(stats.AverageTtlSeconds, 1),
        }, time));
    }

    /// <summary>{"pattern":"chat:*"} removes matching keys; no body or no pattern clears everything.</summary>
    private static async Task<Ok<Envelope<CacheClearReply>>> ClearAsync(HttpContext context, ResponseCache cache, TimeProvider time)
    {
        var pattern = context.Request.ContentLength is 0 || (context.Request.ContentLength is null && !context.Request.Headers.ContainsKey("Transfer-Encoding"))
            ? null
            : (await RequestBody.ReadAsync(context.Request, SutazJsonContext.Default.CacheClearRequest).ConfigureAwait(false)).Pattern;
        if (pattern is { Length: > 256 })
        {
            throw GatewayException.Invalid("pattern is longer than 256 characters", "pattern");
        }

        var cleared = await cache.ClearAsync(pattern, context.RequestAborted).ConfigureAwait(false);
        return TypedResults.Ok(Envelope.Success(context, new CacheClearReply { Cleared = cleared, Pattern = pattern ?? "*" }, time));
    }

    private static async Task<Ok<Envelope<CacheKeysPage>>> KeysAsync(HttpContext context, ResponseCache cache, TimeProvider time, int? page, int? per_page)
    {
        var (number, size) = Paging.Read(page, per_page, 50, MaxPerPage);

        var keys = await cache.KeysAsync(context.RequestAborted).ConfigureAwait(false);
        var view = new CacheKeysPage
        {
            Items = [.. keys.Skip((number - 1) * size).Take(size).Select(k => new CacheKeyView { Key = k.Key, SizeBytes = k.Bytes, CreatedAt = k.CreatedAt, ExpiresAt = k.ExpiresAt })],
            Total = keys.Count,
            Page = number,
            PerPage = size,
            HasNext = Paging.HasNext(number, size, keys.Count),
            HasPrev = number > 1,
        };
        return TypedResults.Ok(Envelope.Success(context, view, time));
    }

    /// <summary>{"requests":[{message, model, max_tokens}, ...]}: precomputed as one cache_warm task; 202 with its id.</summary>
    private static async Task<Accepted<Envelope<CacheWarmReply>>> WarmAsync(HttpContext context, ITaskStore store, IEnumerable<ITaskHandler> handlers,
        TaskSignal signal, IOptions<TaskQueueOptions> options, TimeProvider time)
    {
        var batch = await RequestBody.ReadAsync(context.Request, SutazJsonContext.Default.SutazBatchRequest).ConfigureAwait(false);
        var payload = JsonSerializer.SerializeToElement(batch, SutazJsonContext.Default.SutazBatchRequest);
        var handler = handlers.First(h => h.TaskType == "cache_warm");
        try
        {
            handler.Validate(payload);
        }
        catch (GatewayException error) when (error.Param?.StartsWith("payload.", StringComparison.Ordinal) == true)
        {
            // The route's body is the payload itself: report the field as the client sent it.
            throw GatewayException.Invalid(error.Message.Replace("payload.", "", StringComparison.Ordinal), error.Param["payload.".Length..]);
        }

        var created = await store.EnqueueAsync(new NewTask("cache_warm", payload.GetRawText(), 2, options.Value.MaxAttempts, null), context.RequestAborted).ConfigureAwait(false);
        signal.Notify();
        var id = created.Task!.Id;
        return TypedResults.Accepted($"/api/v1/tasks/{id}", Envelope.Success(context, new CacheWarmReply { TaskId = id, Requests = batch.Requests!.Count }, time));
    }
}
