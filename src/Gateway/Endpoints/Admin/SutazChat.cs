using System.Text.Json;
using SutazAi.Gateway.Caching;
using SutazAi.Gateway.Endpoints.Ollama;
using SutazAi.Gateway.Errors;
using SutazAi.Gateway.Hosting;
using SutazAi.Gateway.Protocol.Ollama;
using SutazAi.Gateway.Observability;
using SutazAi.Gateway.Protocol.Sutaz;
using SutazAi.Gateway.Upstreams;

namespace SutazAi.Gateway.Endpoints.Admin;

/// <summary>The SutazAI chat request (seed spec §2.2) as an Ollama /api/chat request.</summary>
internal static class SutazChat
{
    public const double DefaultTemperature = 0.7;
    public const int DefaultMaxTokens = 2048;

    public static (OllamaChatRequest Request, byte[] Body) ToOllama(SutazChatRequest request, GatewayOptions gateway, OllamaRequestRules rules, bool stream, string prefix = "")
    {
        if (string.IsNullOrWhiteSpace(request.Message))
        {
            throw GatewayException.Invalid("message must not be empty", prefix + "message");
        }

        if (request.Temperature is < 0 or > 1)
        {
            throw GatewayException.Invalid("temperature must be between 0.0 and 1.0", prefix + "temperature");
        }

        if (request.MaxTokens is < 1)
        {
            throw GatewayException.Invalid("max_tokens must be at least 1", prefix + "max_tokens");
        }

        var ollama = new OllamaChatRequest
        {
            Model = request.Model ?? gateway.DefaultModel,
            Messages = [new OllamaMessage { Role = "user", Content = request.Message }],
            Stream = stream,
            Options = new Dictionary<string, JsonElement>(StringComparer.Ordinal)
            {
                ["temperature"] = JsonSerializer.SerializeToElement(request.Temperature ?? DefaultTemperature, OllamaJsonContext.Default.Double),
                ["num_predict"] = JsonSerializer.SerializeToElement(rules.ClampOutputTokens(request.MaxTokens ?? DefaultMaxTokens), OllamaJsonContext.Default.Int32),
            },
        };
        rules.Apply(ollama);
        return (ollama, JsonSerializer.SerializeToUtf8Bytes(ollama, OllamaJsonContext.Default.OllamaChatRequest));
    }

    /// <summary>One non-streamed chat through the cache and the pool (the /api/v1/chat route, its batch form, and chat tasks).</summary>
    public static async Task<SutazChatReply> CompleteAsync(SutazChatRequest request, CachedUpstream upstream, OllamaRequestRules rules,
        GatewayOptions gateway, GatewayMetrics metrics, string prefix, CancellationToken cancellationToken)
    {
        var (ollama, _) = ToOllama(request, gateway, rules, stream: false, prefix);
        var model = ollama.Model!;
        var (_, answer, hit) = await upstream.ChatAsync(ollama, cancellationToken).ConfigureAwait(false);
        if (!hit)
        {
            metrics.Tokens(model, answer.PromptEvalCount, answer.EvalCount);
        }

        return new SutazChatReply
        {
            Response = answer.Message?.Content ?? "",
            Model = model,
            TokensUsed = (answer.PromptEvalCount ?? 0) + (answer.EvalCount ?? 0),
        };
    }

    /// <summary>Validates every item first (a bad item fails the whole batch before any upstream call), then runs four at a time.</summary>
    public static async Task<SutazBatchReply> BatchAsync(IReadOnlyList<SutazChatRequest> requests, CachedUpstream upstream, OllamaRequestRules rules,
        GatewayOptions gateway, GatewayMetrics metrics, CancellationToken cancellationToken)
    {
        for (var i = 0; i < requests.Count; i++)
        {
            ToOllama(requests[i] ?? throw GatewayException.Invalid("requests must not contain null", $"requests[{i}]"), gateway, rules, stream: false, $"requests[{i}].");
        }

        var items = new SutazBatchItem[requests.Count];
        await Parallel.ForAsync(0, requests.Count, new ParallelOptions { MaxDegreeOfParallelism = 4, CancellationToken = cancellationToken }, async (i, ct) =>
        {
            try
            {
                var reply = await CompleteAsync(requests[i], upstream, rules, gateway, metrics, $"requests[{i}].", ct).ConfigureAwait(false);
                items[i] = new SutazBatchItem { Index = i, Success = true, Data = reply };
            }
            catch (GatewayException error)
            {
                items[i] = new SutazBatchItem { Index = i, Error = new EnvelopeError { Code = error.SutazCode, Message = error.Message } };
            }
        }).ConfigureAwait(false);

        var result = new SutazBatchReply { Results = [.. items], Succeeded = items.Count(i => i.Success) };
        result.Failed = items.Length - result.Succeeded;
        return result;
    }
}
