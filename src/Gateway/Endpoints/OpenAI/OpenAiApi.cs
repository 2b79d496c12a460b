using System.Runtime.InteropServices;
using System.Text.Json;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;
using SutazAi.Gateway.Endpoints.Ollama;
using SutazAi.Gateway.Agents;
using SutazAi.Gateway.Caching;
using SutazAi.Gateway.Errors;
using SutazAi.Gateway.Hosting;
using SutazAi.Gateway.Observability;
using SutazAi.Gateway.Protocol.Ollama;
using SutazAi.Gateway.Protocol.OpenAI;
using SutazAi.Gateway.Streaming;
using SutazAi.Gateway.Upstreams;

namespace SutazAi.Gateway.Endpoints.OpenAI;

/// <summary>The OpenAI-compatible surface at /v1, translated to Ollama's native API.</summary>
internal static class OpenAiApi
{
    public static RouteGroupBuilder MapOpenAiApi(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/v1").WithTags("OpenAI");
        group.MapGet("/models", ListModelsAsync).WithName("OpenAiListModels");
        group.MapGet("/models/{**id}", GetModelAsync).WithName("OpenAiGetModel");
        group.MapPost("/chat/completions", ChatAsync).WithName("OpenAiChatCompletions");
        group.MapPost("/embeddings", EmbeddingsAsync).WithName("OpenAiEmbeddings");
        return group;
    }

    private static async Task<Ok<ModelList>> ListModelsAsync(ModelDirectory directory, CancellationToken cancellationToken)
    {
        var entries = await directory.ListAsync(cancellationToken).ConfigureAwait(false);
        return TypedResults.Ok(new ModelList { Data = [.. entries.Select(Card)] });
    }

    private static async Task<Ok<ModelCard>> GetModelAsync(string id, ModelDirectory directory, CancellationToken cancellationToken)
    {
        ModelName.Validate(id);
        var entry = await directory.FindAsync(id, cancellationToken).ConfigureAwait(false) ?? throw GatewayException.ModelNotFound(id);
        return TypedResults.Ok(Card(entry));
    }

    private static async Task<EmptyHttpResult> ChatAsync(HttpContext context, UpstreamPool pool, CachedUpstream cached, ResponseCache cache,
        OllamaRequestRules rules, GatewayMetrics metrics, IOptions<GatewayOptions> gateway, AgentChat agents, TimeProvider time)
    {
        var request = await RequestBody.ReadAsync(context.Request, OpenAiJsonContext.Default.ChatCompletionRequest).ConfigureAwait(false);
        var ollama = ChatCompletionTranslator.ToOllama(request, rules);
        var model = ollama.Model!;
        var body = JsonSerializer.SerializeToUtf8Bytes(ollama, OllamaJsonContext.Default.OllamaChatRequest);
        var mapper = new ChatCompletionMapper(model, time.GetUtcNow().ToUnixTimeSeconds());
        var ct = context.RequestAborted;

        if (ollama.Stream != true)
        {
            var (_, answer, hit) = await cached.ChatAsync(ollama, ct).ConfigureAwait(false);
            if (!hit)
            {
                metrics.Tokens(model, answer.PromptEvalCount, answer.EvalCount);
            }

            await context.Response.WriteAsJsonAsync(mapper.Complete(answer), OpenAiJsonContext.Default.ChatCompletionResponse, contentType: null, ct).ConfigureAwait(false);
            return TypedResults.Empty;
        }

        if (AgentChat.IsAgentModel(model, out _))
        {
            await StreamAgentAsync(context, agents, ollama, mapper, request.StreamOptions?.IncludeUsage == true, metrics, ct).ConfigureAwait(false);
            return TypedResults.Empty;
        }

        var key = cache.ChatKey(ollama);
        if (await cache.GetAsync(key, ct).ConfigureAwait(false) is { } stored)
        {
            // A cached answer is replayed as a well-formed stream: role, content, finish, usage, [DONE].
            var answer = CachedUpstream.Parse(stored);
            using var replay = ResponseStreamWriter.StartSse(context.Response);
            await replay.WriteSseAsync(mapper.RoleChunk(), OpenAiJsonContext.Default.ChatCompletionChunk, ct).ConfigureAwait(false);
            foreach (var delta in mapper.Deltas(answer))
            {
                await replay.WriteSseAsync(delta, OpenAiJsonContext.Default.ChatCompletionChunk, ct).ConfigureAwait(false);
            }

            await replay.WriteSseAsync(mapper.FinishChunk(answer), OpenAiJsonContext.Default.ChatCompletionChunk, ct).ConfigureAwait(false);
            if (request.StreamOptions?.IncludeUsage == true)
            {
                await replay.WriteSseAsync(mapper.UsageChunk(answer), OpenAiJsonContext.Default.ChatCompletionChunk, ct).ConfigureAwait(false);
            }

            await replay.WriteDoneAsync(ct).ConfigureAwait(false);
            return TypedResults.Empty;
        }

        using var sse = new SseResponse(context.Response);
        try
        {
            var pending = pool.SendAsync(UpstreamRequest.Post("api/chat", model, body, streaming: true), ct);
            await using var lease = await sse.OpenAsync(pending, gateway.Value.SseHeartbeatInterval, time, ct).ConfigureAwait(false);
            await lease.ThrowIfRejectedAsync(model).ConfigureAwait(false);
            var writer = sse.Writer;
            await writer.WriteSseAsync(mapper.RoleChunk(), OpenAiJsonContext.Default.ChatCompletionChunk, ct).ConfigureAwait(false);
            var recording = cache.Record(key);
            var final = (await lease.RelayAsync(async (line, chunk) =>
            {
                recording?.Add(line, chunk);
                foreach (var delta in mapper.Deltas(chunk))
                {
                    await writer.WriteSseAsync(delta, OpenAiJsonContext.Default.ChatCompletionChunk, ct).ConfigureAwait(false);
                }
            }, untilDone: true).ConfigureAwait(false))!;

            metrics.Tokens(model, final.PromptEvalCount, final.EvalCount);
            await writer.WriteSseAsync(mapper.FinishChunk(final), OpenAiJsonContext.Default.ChatCompletionChunk, ct).ConfigureAwait(false);
            if (request.StreamOptions?.IncludeUsage == true)
            {
                await writer.WriteSseAsync(mapper.UsageChunk(final), OpenAiJsonContext.Default.ChatCompletionChunk, ct).ConfigureAwait(false);
            }

            await writer.WriteDoneAsync(ct).ConfigureAwait(false);
            await cache.StoreAsync(recording).ConfigureAwait(false);
        }
        catch (GatewayException error) when (sse.Started)
        {
            // Headers are gone: one error event, then the stream ends without [DONE].
            await sse.Writer.WriteRawAsync(ErrorResponses.OpenAiSseEvent(error), appendNewline: false, ct).ConfigureAwait(false);
        }

        return TypedResults.Empty;
    }

    /// <summary>An agent's answer as chat completion chunks: role, content (tool progress as reasoning when asked), finish, usage, [DONE].</summary>
    private static async Task StreamAgentAsync(HttpContext context, AgentChat agents, OllamaChatRequest ollama, ChatCompletionMapper mapper,
        bool includeUsage, GatewayMetrics metrics, CancellationToken ct)
    {
        var agent = await agents.ResolveAsync(ollama.Model!, ct).ConfigureAwait(false);
        using var writer = ResponseStreamWriter.StartSse(context.Response);
        try
        {
            await writer.WriteSseAsync(mapper.RoleChunk(), OpenAiJsonContext.Default.ChatCompletionChunk, ct).ConfigureAwait(false);
            OllamaChatResponse? final = null;
            await foreach (var chunk in agents.StreamAsync(agent, ollama, ct).ConfigureAwait(false))
            {
                if (chunk.Done)
                {
                    final = chunk;
                    continue;
                }

                foreach (var delta in mapper.Deltas(chunk))
                {
                    await writer.WriteSseAsync(delta, OpenAiJsonContext.Default.ChatCompletionChunk, ct).ConfigureAwait(false);
                }
            }

            metrics.Tokens(ollama.Model!, final!.PromptEvalCount, final.EvalCount);
            await writer.WriteSseAsync(mapper.FinishChunk(final), OpenAiJsonContext.Default.ChatCompletionChunk, ct).ConfigureAwait(false);
            if (includeUsage)
            {
                await writer.WriteSseAsync(mapper.UsageChunk(final), OpenAiJsonContext.Default.ChatCompletionChunk, ct).ConfigureAwait(false);
            }

            await writer.WriteDoneAsync(ct).ConfigureAwait(false);
        }
        catch (GatewayException error)
        {
            // Headers are gone: one error event, then the stream ends without [DONE].
            await writer.WriteRawAsync(ErrorResponses.OpenAiSseEvent(error), appendNewline: false, ct).ConfigureAwait(false);
        }
    }

    private static async Task<Ok<EmbeddingResponse>> EmbeddingsAsync(HttpContext context, CachedEmbeddings cached, OllamaRequestRules rules, GatewayMetrics metrics)
    {
        var request = await RequestBody.ReadAsync(context.Request, OpenAiJsonContext.Default.EmbeddingRequest).ConfigureAwait(false);
        var base64 = request.EncodingFormat switch
        {
            null or "float" => false,
            "base64" => true,
            _ => throw GatewayException.Invalid("encoding_format must be float or base64", "encoding_format"),
        };
        var input = request.Input ?? throw GatewayException.Invalid("input is required", "input");
        if (input.Values.Count == 0 || input.Values.Any(s => s.Length == 0))
        {
            throw GatewayException.Invalid("input must not be empty", "input");
        }

        var ollama = new OllamaEmbedRequest { Model = request.Model, Input = input, Dimensions = request.Dimensions };
        rules.Apply(ollama);
        var model = ollama.Model!;
        var (_, answer, hit) = await cached.EmbedAsync(ollama, context.RequestAborted).ConfigureAwait(false);
        var vectors = answer.Embeddings ?? [];
        var response = new EmbeddingResponse { Model = model };
        for (var i = 0; i < vectors.Length; i++)
        {
            response.Data.Add(new EmbeddingItem { Index = i, Embedding = base64 ? ToBase64(vectors[i]) : vectors[i] });
        }

        var tokens = answer.PromptEvalCount ?? 0;
        response.Usage = new EmbeddingUsage { PromptTokens = tokens, TotalTokens = tokens };
        if (!hit)
        {
            metrics.Tokens(model, tokens, 0);
        }
        return TypedResults.Ok(response);
    }

    /// <summary>What the OpenAI SDKs decode: the raw little-endian float32 bytes, base64-encoded.</summary>
    internal static string ToBase64(float[] vector)
    {
        if (!BitConverter.IsLittleEndian)
        {
            var bytes = new byte[vector.Length * sizeof(float)];
            for (var i = 0; i < vector.Length; i++)
            {
                System.Buffers.Binary.BinaryPrimitives.WriteSingleLittleEndian(bytes.AsSpan(i * sizeof(float)), vector[i]);
            }

            return Convert.ToBase64String(bytes);
        }

        return Convert.ToBase64String(MemoryMarshal.AsBytes(vector.AsSpan()));
    }

    private static ModelCard Card(OllamaModelEntry entry) => new()
    {
        Id = entry.Name,
        Name = entry.Name,
        Created = DateTimeOffset.TryParse(entry.ModifiedAt, System.Globalization.CultureInfo.InvariantCulture, out var modified) ? modified.ToUnixTimeSeconds() : 0,
        OwnedBy = entry.Name.Contains('/', StringComparison.Ordinal) ? entry.Name[..entry.Name.LastIndexOf('/')] : "library",
    };
}
