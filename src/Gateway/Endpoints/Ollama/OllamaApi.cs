using SutazAi.Gateway.Auth;
using System.Text.Json;
using Microsoft.AspNetCore.Http.HttpResults;
using SutazAi.Gateway.Agents;
using SutazAi.Gateway.Caching;
using SutazAi.Gateway.Errors;
using SutazAi.Gateway.Observability;
using SutazAi.Gateway.Protocol.Ollama;
using SutazAi.Gateway.Streaming;
using SutazAi.Gateway.Upstreams;

namespace SutazAi.Gateway.Endpoints.Ollama;

/// <summary>
/// The Ollama-compatible surface at /api. Requests are validated and re-serialised; answers are the
/// upstream's own bytes, streamed line by line. Listings merge every server.
/// </summary>
internal static class OllamaApi
{
    private static readonly byte[] s_running = "Ollama is running"u8.ToArray();

    public static RouteGroupBuilder MapOllamaApi(this IEndpointRouteBuilder app)
    {
        app.MapMethods("/", ["GET", "HEAD"], () => TypedResults.Bytes(s_running, "text/plain; charset=utf-8")).WithName("OllamaRoot").WithTags("Ollama");

        var group = app.MapGroup("/api").WithTags("Ollama");
        group.MapMethods("/version", ["GET", "HEAD"], VersionAsync).WithName("OllamaVersion");
        group.MapMethods("/tags", ["GET", "HEAD"], TagsAsync).WithName("OllamaTags");
        group.MapGet("/ps", RunningAsync).WithName("OllamaPs");
        group.MapPost("/chat", ChatAsync).WithName("OllamaChat");
        group.MapPost("/generate", GenerateAsync).WithName("OllamaGenerate");
        group.MapPost("/embed", EmbedAsync).WithName("OllamaEmbed");
        group.MapPost("/embeddings", EmbeddingsAsync).WithName("OllamaEmbeddings");
        group.MapPost("/show", ShowAsync).WithName("OllamaShow");
        group.MapPost("/pull", PullAsync).WithName("OllamaPull").RequireAdmin();
        group.MapPost("/push", PushAsync).WithName("OllamaPush").RequireAdmin();
        group.MapPost("/create", CreateAsync).WithName("OllamaCreate").RequireAdmin();
        group.MapPost("/copy", CopyAsync).WithName("OllamaCopy").RequireAdmin();
        group.MapDelete("/delete", DeleteAsync).WithName("OllamaDelete").RequireAdmin();
        return group;
    }

    private static async Task<EmptyHttpResult> VersionAsync(HttpContext context, UpstreamPool pool)
    {
        await using var lease = await pool.SendAsync(UpstreamRequest.Get("api/version"), context.RequestAborted).ConfigureAwait(false);
        await CopyJsonAsync(context, lease, model: null).ConfigureAwait(false);
        return TypedResults.Empty;
    }

    private static async Task<Ok<OllamaModelList>> TagsAsync(ModelDirectory directory, CancellationToken cancellationToken)
    {
        var entries = await directory.ListAsync(cancellationToken).ConfigureAwait(false);
        return TypedResults.Ok(new OllamaModelList { Models = [.. entries] });
    }

    private static async Task<Ok<OllamaModelList>> RunningAsync(UpstreamPool pool, CancellationToken cancellationToken) =>
        TypedResults.Ok(new OllamaModelList { Models = [.. await pool.RunningModelsAsync(cancellationToken).ConfigureAwait(false)] });

    private static async Task<EmptyHttpResult> ChatAsync(HttpContext context, UpstreamPool pool, CachedUpstream cached, ResponseCache cache,
        OllamaRequestRules rules, GatewayMetrics metrics, AgentChat agents)
    {
        var request = await RequestBody.ReadAsync(context.Request, OllamaJsonContext.Default.OllamaChatRequest, allowFormContentType: true).ConfigureAwait(false);
        rules.Apply(request);
        var streaming = request.Stream ?? true;
        var ct = context.RequestAborted;
        if (streaming && AgentChat.IsAgentModel(request.Model, out _))
        {
            await StreamAgentAsync(context, agents, request, ct).ConfigureAwait(false);
            return TypedResults.Empty;
        }

        if (!streaming)
        {
            var (raw, answer, hit) = await cached.ChatAsync(request, ct).ConfigureAwait(false);
            if (!hit)
            {
                metrics.Tokens(request.Model!, answer.PromptEvalCount, answer.EvalCount);
            }

            context.Response.ContentType = "application/json; charset=utf-8";
            await context.Response.Body.WriteAsync(raw, ct).ConfigureAwait(false);
            return TypedResults.Empty;
        }

        var key = cache.ChatKey(request);
        if (await cache.GetAsync(key, ct).ConfigureAwait(false) is { } stored)
        {
            await ReplayAsync(context, stored, ct).ConfigureAwait(false);
            return TypedResults.Empty;
        }

        request.Stream = true;
        var body = JsonSerializer.SerializeToUtf8Bytes(request, OllamaJsonContext.Default.OllamaChatRequest);
        await ForwardGenerationAsync(context, pool, metrics, cache, key, UpstreamRequest.Post("api/chat", request.Model, body, streaming: true)).ConfigureAwait(false);
        return TypedResults.Empty;
    }

    private static async Task<EmptyHttpResult> GenerateAsync(HttpContext context, UpstreamPool pool, ResponseCache cache, OllamaRequestRules rules, GatewayMetrics metrics)
    {
        var request = await RequestBody.ReadAsync(context.Request, OllamaJsonContext.Default.OllamaGenerateRequest, allowFormContentType: true).ConfigureAwait(false);
        rules.Apply(request);
        var streaming = request.Stream ?? true;
        var key = cache.GenerateKey(request);
        if (await cache.GetAsync(key, context.RequestAborted).ConfigureAwait(false) is { } stored)
        {
            if (streaming)
            {
                await ReplayAsync(context, stored, context.RequestAborted).ConfigureAwait(false);
            }
            else
            {
                context.Response.ContentType = "application/json; charset=utf-8";
                await context.Response.Body.WriteAsync(stored, context.RequestAborted).ConfigureAwait(false);
            }

            return TypedResults.Empty;
        }

        request.Stream = streaming;
        var body = JsonSerializer.SerializeToUtf8Bytes(request, OllamaJsonContext.Default.OllamaGenerateRequest);
        await ForwardGenerationAsync(context, pool, metrics, cache, key, UpstreamRequest.Post("api/generate", request.Model, body, streaming)).ConfigureAwait(false);
        return TypedResults.Empty;
    }

    /// <summary>An agent's answer as NDJSON chunks; after the first byte a failure is one {"error"} line, without done:true.</summary>
    private static async Task StreamAgentAsync(HttpContext context, AgentChat agents, OllamaChatRequest request, CancellationToken ct)
    {
        var agent = await agents.ResolveAsync(request.Model!, ct).ConfigureAwait(false);
        using var writer = ResponseStreamWriter.StartNdjson(context.Response);
        try
        {
            await foreach (var chunk in agents.StreamAsync(agent, request, ct).ConfigureAwait(false))
            {
                await writer.WriteRawAsync(JsonSerializer.SerializeToUtf8Bytes(chunk, OllamaJsonContext.Default.OllamaChatResponse), appendNewline: true, ct).ConfigureAwait(false);
            }
        }
        catch (GatewayException error)
        {
            await writer.WriteRawAsync(ErrorResponses.OllamaLine(error), appendNewline: false, ct).ConfigureAwait(false);
        }
    }

    /// <summary>A cached final answer holds the whole text and done:true: on its own it is a complete NDJSON stream.</summary>
    private static async Task ReplayAsync(HttpContext context, byte[] stored, CancellationToken cancellationToken)
    {
        using var replay = ResponseStreamWriter.StartNdjson(context.Response);
        await replay.WriteRawAsync(stored, appendNewline: true, cancellationToken).ConfigureAwait(false);
    }

    private static async Task<EmptyHttpResult> EmbedAsync(HttpContext context, CachedEmbeddings cached, OllamaRequestRules rules)
    {
        var request = await RequestBody.ReadAsync(context.Request, OllamaJsonContext.Default.OllamaEmbedRequest, allowFormContentType: true).ConfigureAwait(false);
        rules.Apply(request);
        var (raw, _, _) = await cached.EmbedAsync(request, context.RequestAborted).ConfigureAwait(false);
        context.Response.ContentType = "application/json; charset=utf-8";
        await context.Response.Body.WriteAsync(raw, context.RequestAborted).ConfigureAwait(false);
        return TypedResults.Empty;
    }

    private static async Task<EmptyHttpResult> EmbeddingsAsync(HttpContext context, UpstreamPool pool, OllamaRequestRules rules)
    {
        var request = await RequestBody.ReadAsync(context.Request, OllamaJsonContext.Default.OllamaEmbeddingsRequest, allowFormContentType: true).ConfigureAwait(false);
        rules.Apply(request);
        var body = JsonSerializer.SerializeToUtf8Bytes(request, OllamaJsonContext.Default.OllamaEmbeddingsRequest);
        await ForwardJsonAsync(context, pool, UpstreamRequest.Post("api/embeddings", request.Model, body, streaming: false)).ConfigureAwait(false);
        return TypedResults.Empty;
    }

    private static async Task<EmptyHttpResult> ShowAsync(HttpContext context, UpstreamPool pool)
    {
        var (model, body) = await ModelCommandAsync(context, "model").ConfigureAwait(false);
        await ForwardJsonAsync(context, pool, UpstreamRequest.Post("api/show", model, body, streaming: false)).ConfigureAwait(false);
        return TypedResults.Empty;
    }

    private static async Task<EmptyHttpResult> PullAsync(HttpContext context, UpstreamPool pool) =>
        await TransferAsync(context, pool, "api/pull", routeByModel: false).ConfigureAwait(false);

    private static async Task<EmptyHttpResult> PushAsync(HttpContext context, UpstreamPool pool) =>
        await TransferAsync(context, pool, "api/push", routeByModel: true).ConfigureAwait(false);

    private static async Task<EmptyHttpResult> CreateAsync(HttpContext context, UpstreamPool pool) =>
        await TransferAsync(context, pool, "api/create", routeByModel: false).ConfigureAwait(false);

    private static async Task<EmptyHttpResult> CopyAsync(HttpContext context, UpstreamPool pool)
    {
        var fields = await CommandAsync(context).ConfigureAwait(false);
        var source = ModelName.Validate(StringField(fields, "source"), "source");
        ModelName.Validate(StringField(fields, "destination"), "destination");
        var body = JsonSerializer.SerializeToUtf8Bytes(fields, OllamaJsonContext.Default.DictionaryStringJsonElement);
        await ForEachServerWithModelAsync(context, pool, "api/copy", source, body).ConfigureAwait(false);
        return TypedResults.Empty;
    }

    private static async Task<EmptyHttpResult> DeleteAsync(HttpContext context, UpstreamPool pool)
    {
        var (model, body) = await ModelCommandAsync(context, "model").ConfigureAwait(false);
        await ForEachServerWithModelAsync(context, pool, "api/delete", model, body, HttpMethod.Delete).ConfigureAwait(false);
        return TypedResults.Empty;
    }

    /// <summary>
    /// Chat and generate: one JSON object, or NDJSON passed through line by line until done:true. With a cache key
    /// (a deterministic request), the answer is stored once complete, the streamed one rebuilt as a single object.
    /// </summary>
    private static async Task ForwardGenerationAsync(HttpContext context, UpstreamPool pool, GatewayMetrics metrics, ResponseCache cache, string? key,
        UpstreamRequest upstream)
    {
        var model = upstream.Model!;
        await using var lease = await pool.SendAsync(upstream, context.RequestAborted).ConfigureAwait(false);
        await lease.ThrowIfRejectedAsync(model).ConfigureAwait(false);
        if (!upstream.Streaming)
        {
            var bytes = await lease.ReadBytesAsync().ConfigureAwait(false);
            var answer = lease.ParseLine(bytes);
            metrics.Tokens(model, answer.PromptEvalCount, answer.EvalCount);
            if (ResponseCache.Cacheable(answer))
            {
                await cache.SetAsync(key, bytes, CancellationToken.None).ConfigureAwait(false);
            }

            context.Response.ContentType = "application/json; charset=utf-8";
            await context.Response.Body.WriteAsync(bytes, context.RequestAborted).ConfigureAwait(false);
            return;
        }

        using var writer = ResponseStreamWriter.StartNdjson(context.Response);
        var ct = context.RequestAborted;
        try
        {
            var recording = cache.Record(key);
            var final = await lease.RelayAsync(async (line, chunk) =>
            {
                recording?.Add(line, chunk);
                await writer.WriteRawAsync(line, appendNewline: true, ct).ConfigureAwait(false);
            }, untilDone: true).ConfigureAwait(false);
            metrics.Tokens(model, final!.PromptEvalCount, final.EvalCount);
            await cache.StoreAsync(recording).ConfigureAwait(false);
        }
        catch (GatewayException error)
        {
            // Headers are gone: one {"error"} line, then the stream ends without done:true.
            await writer.WriteRawAsync(ErrorResponses.OllamaLine(error), appendNewline: false, ct).ConfigureAwait(false);
        }
    }

    /// <summary>pull, push, create: progress lines streamed through (or one object with stream:false).</summary>
    private static async Task<EmptyHttpResult> TransferAsync(HttpContext context, UpstreamPool pool, string path, bool routeByModel)
    {
        var (model, body, streaming) = await StreamingCommandAsync(context).ConfigureAwait(false);
        await using var lease = await pool.SendAsync(new UpstreamRequest(HttpMethod.Post, path, routeByModel ? model : null, body, streaming), context.RequestAborted).ConfigureAwait(false);
        await lease.ThrowIfRejectedAsync(model: null).ConfigureAwait(false);
        if (!streaming)
        {
            var bytes = await lease.ReadBytesAsync().ConfigureAwait(false);
            lease.ParseLine(bytes);
            context.Response.ContentType = "application/json; charset=utf-8";
            await context.Response.Body.WriteAsync(bytes, context.RequestAborted).ConfigureAwait(false);
            await pool.RefreshCatalogsAsync(context.RequestAborted).ConfigureAwait(false);
            return TypedResults.Empty;
        }

        using var writer = ResponseStreamWriter.StartNdjson(context.Response);
        var ct = context.RequestAborted;
        try
        {
            await lease.RelayAsync(async (line, _) => await writer.WriteRawAsync(line, appendNewline: true, ct).ConfigureAwait(false), untilDone: false).ConfigureAwait(false);
            await pool.RefreshCatalogsAsync(ct).ConfigureAwait(false);
        }
        catch (GatewayException error)
        {
            await writer.WriteRawAsync(ErrorResponses.OllamaLine(error), appendNewline: false, ct).ConfigureAwait(false);
        }

        return TypedResults.Empty;
    }

    private static async Task ForEachServerWithModelAsync(HttpContext context, UpstreamPool pool, string path, string model, byte[] body, HttpMethod? method = null)
    {
        await pool.SendToServersWithModelAsync(new UpstreamRequest(method ?? HttpMethod.Post, path, model, body, Streaming: false), context.RequestAborted).ConfigureAwait(false);
        context.Response.StatusCode = StatusCodes.Status200OK;
    }

    private static async Task ForwardJsonAsync(HttpContext context, UpstreamPool pool, UpstreamRequest upstream)
    {
        await using var lease = await pool.SendAsync(upstream, context.RequestAborted).ConfigureAwait(false);
        await CopyJsonAsync(context, lease, upstream.Model).ConfigureAwait(false);
    }

    private static async Task CopyJsonAsync(HttpContext context, UpstreamLease lease, string? model)
    {
        await lease.ThrowIfRejectedAsync(model).ConfigureAwait(false);
        var bytes = await lease.ReadBytesAsync().ConfigureAwait(false);
        context.Response.ContentType = "application/json; charset=utf-8";
        if (!HttpMethods.IsHead(context.Request.Method))
        {
            await context.Response.Body.WriteAsync(bytes, context.RequestAborted).ConfigureAwait(false);
        }
    }

    /// <summary>Model commands are passed through field by field (the dictionary is re-serialised, not the client's bytes).</summary>
    private static ValueTask<Dictionary<string, JsonElement>> CommandAsync(HttpContext context) =>
        RequestBody.ReadAsync(context.Request, OllamaJsonContext.Default.DictionaryStringJsonElement, allowFormContentType: true);

    /// <summary>show, delete, pull, push, create: {model} (legacy clients send name) plus pass-through fields.</summary>
    private static async Task<(string Model, byte[] Body)> ModelCommandAsync(HttpContext context, string field)
    {
        var fields = await CommandAsync(context).ConfigureAwait(false);
        var model = ModelName.Validate(StringField(fields, "model") ?? StringField(fields, "name"), field);
        fields.Remove("name");
        fields["model"] = JsonSerializer.SerializeToElement(model, OllamaJsonContext.Default.String);
        return (model, JsonSerializer.SerializeToUtf8Bytes(fields, OllamaJsonContext.Default.DictionaryStringJsonElement));
    }

    private static async Task<(string Model, byte[] Body, bool Streaming)> StreamingCommandAsync(HttpContext context)
    {
        var fields = await CommandAsync(context).ConfigureAwait(false);
        var model = ModelName.Validate(StringField(fields, "model") ?? StringField(fields, "name"));
        fields.Remove("name");
        fields["model"] = JsonSerializer.SerializeToElement(model, OllamaJsonContext.Default.String);
        var streaming = !fields.TryGetValue("stream", out var s) || s.ValueKind != JsonValueKind.False;
        if (fields.TryGetValue("stream", out s) && s.ValueKind is not (JsonValueKind.True or JsonValueKind.False or JsonValueKind.Null))
        {
            throw GatewayException.Invalid("stream must be a boolean", "stream");
        }

        fields["stream"] = JsonSerializer.SerializeToElement(streaming, OllamaJsonContext.Default.Boolean);
        return (model, JsonSerializer.SerializeToUtf8Bytes(fields, OllamaJsonContext.Default.DictionaryStringJsonElement), streaming);
    }

    private static string? StringField(Dictionary<string, JsonElement> fields, string name) =>
        fields.TryGetValue(name, out var value) ? value.ValueKind switch
        {
            JsonValueKind.String => value.GetString(),
            JsonValueKind.Null => null,
            _ => throw GatewayException.Invalid($"{name} must be a string", name),
        } : null;
}
