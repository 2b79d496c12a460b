using System.Globalization;
using System.Runtime.CompilerServices;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.AI;
using SutazAi.Gateway.Protocol.Ollama;
using SutazAi.Gateway.Upstreams;

namespace SutazAi.Gateway.Agents;

/// <summary>
/// An <see cref="IChatClient"/> over the upstream pool, so agents get the pool's routing, failover and breakers: the
/// Microsoft.Extensions.AI conversation becomes Ollama's native /api/chat (tool definitions from the request's
/// AIFunctions, tool calls with ids, tool results with tool_name, images, sampling options) and back, streamed or
/// not. The agent runtime (src/Agents) sees only the abstraction.
/// </summary>
internal sealed class PoolChatClient(UpstreamPool pool, string defaultModel) : IChatClient
{
    public async Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
    {
        var (model, body) = Request(messages, options, stream: false);
        await using var lease = await pool.SendAsync(UpstreamRequest.Post("api/chat", model, body, streaming: false), cancellationToken).ConfigureAwait(false);
        await lease.ThrowIfRejectedAsync(model).ConfigureAwait(false);
        var answer = lease.ParseLine(await lease.ReadBytesAsync().ConfigureAwait(false));
        var message = new ChatMessage(ChatRole.Assistant, Contents(answer));
        return new ChatResponse(message)
        {
            ModelId = answer.Model ?? model,
            FinishReason = Finish(answer, message.Contents),
            Usage = Usage(answer),
            CreatedAt = Created(answer),
        };
    }

    public async IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null,
        [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var (model, body) = Request(messages, options, stream: true);
        await using var lease = await pool.SendAsync(UpstreamRequest.Post("api/chat", model, body, streaming: true), cancellationToken).ConfigureAwait(false);
        await lease.ThrowIfRejectedAsync(model).ConfigureAwait(false);
        var messageId = Guid.NewGuid().ToString("N");
        var calls = false;
        await foreach (var line in lease.ReadLinesAsync().ConfigureAwait(false))
        {
            var chunk = lease.ParseLine(line);
            var contents = Contents(chunk);
            calls |= contents.OfType<FunctionCallContent>().Any();
            if (chunk.Done)
            {
                if (Usage(chunk) is { } usage)
                {
                    contents.Add(new UsageContent(usage));
                }

                yield return new ChatResponseUpdate(ChatRole.Assistant, contents)
                {
                    MessageId = messageId,
                    ModelId = chunk.Model ?? model,
                    FinishReason = calls ? ChatFinishReason.ToolCalls : Finish(chunk, contents),
                    CreatedAt = Created(chunk),
                };
                yield break;
            }

            if (contents.Count > 0)
            {
                yield return new ChatResponseUpdate(ChatRole.Assistant, contents) { MessageId = messageId, ModelId = chunk.Model ?? model };
            }
        }

        throw lease.EndedEarly();
    }

    public object? GetService(Type serviceType, object? serviceKey = null) =>
        serviceKey is null && serviceType.IsInstanceOfType(this) ? this : null;

    public void Dispose()
    {
    }

    private (string Model, byte[] Body) Request(IEnumerable<ChatMessage> messages, ChatOptions? options, bool stream)
    {
        var history = messages.ToList();
        if (!string.IsNullOrEmpty(options?.Instructions))
        {
            history.Insert(0, new ChatMessage(ChatRole.System, options.Instructions));
        }

        var request = new OllamaChatRequest
        {
            Model = ModelName.Validate(options?.ModelId ?? defaultModel, "model"),
            Messages = [.. history.SelectMany((m, i) => ToOllama(m, history.Take(i)))],
            Stream = stream,
            Tools = options?.Tools is { Count: > 0 } tools && options.ToolMode is not NoneChatToolMode
                ? [.. tools.OfType<AIFunctionDeclaration>().Select(Definition)]
                : null,
            Options = Sampling(options),
            Format = options?.ResponseFormat switch
            {
                ChatResponseFormatJson { Schema: { } schema } => schema,
                ChatResponseFormatJson => JsonSerializer.SerializeToElement("json", OllamaJsonContext.Default.String),
                _ => null,
            },
        };
        return (request.Model, JsonSerializer.SerializeToUtf8Bytes(request, OllamaJsonContext.Default.OllamaChatRequest));
    }

    /// <summary>One conversation message in Ollama's shape; <paramref name="earlier"/> are the messages before it (for tool names).</summary>
    private static IEnumerable<OllamaMessage> ToOllama(ChatMessage message, IEnumerable<ChatMessage> earlier)
    {
        var results = message.Contents.OfType<FunctionResultContent>().ToList();
        if (results.Count > 0)
        {
            // One tool message per result, named after the call it answers (Ollama matches by tool_name).
            foreach (var result in results)
            {
                yield return new OllamaMessage { Role = "tool", Content = ResultText(result.Result), ToolName = CallName(earlier, result.CallId), ToolCallId = result.CallId };
            }

            yield break;
        }

        var text = string.Concat(message.Contents.OfType<TextContent>().Select(t => t.Text));
        var thinking = string.Concat(message.Contents.OfType<TextReasoningContent>().Select(t => t.Text));
        var calls = message.Contents.OfType<FunctionCallContent>().Select(c => new OllamaToolCall
        {
            Id = c.CallId,
            Function = new OllamaFunctionCall
            {
                Name = c.Name,
                Arguments = JsonSerializer.SerializeToElement(c.Arguments ?? new Dictionary<string, object?>(), AIJsonUtilities.DefaultOptions),
            },
        }).ToList();
        var images = message.Contents.OfType<DataContent>().Where(d => d.HasTopLevelMediaType("image")).Select(d => Convert.ToBase64String(d.Data.Span)).ToList();
        yield return new OllamaMessage
        {
            Role = message.Role == ChatRole.System || message.Role.Value == "developer" ? "system"
                : message.Role == ChatRole.Assistant ? "assistant"
                : message.Role == ChatRole.Tool ? "tool"
                : "user",
            Content = text,
            Thinking = thinking.Length > 0 ? thinking : null,
            ToolCalls = calls.Count > 0 ? calls : null,
            Images = images.Count > 0 ? images : null,
        };
    }

    private static string? CallName(IEnumerable<ChatMessage> earlier, string callId) =>
        earlier.SelectMany(m => m.Contents).OfType<FunctionCallContent>().LastOrDefault(c => c.CallId == callId)?.Name;

    private static string ResultText(object? result) => result switch
    {
        null => "",
        string s => s,
        JsonElement { ValueKind: JsonValueKind.String } e => e.GetString()!,
        JsonElement e => e.GetRawText(),
        _ => JsonSerializer.Serialize(result, AIJsonUtilities.DefaultOptions),
    };

    /// <summary>Ollama's tool definition: {"type":"function","function":{name, description, parameters}}.</summary>
    private static JsonElement Definition(AIFunctionDeclaration function)
    {
        var definition = new JsonObject
        {
            ["type"] = "function",
            ["function"] = new JsonObject
            {
                ["name"] = function.Name,
                ["description"] = function.Description,
                ["parameters"] = JsonNode.Parse(function.JsonSchema.GetRawText()),
            },
        };
        using var document = JsonDocument.Parse(definition.ToJsonString());
        return document.RootElement.Clone();
    }

    private static Dictionary<string, JsonElement>? Sampling(ChatOptions? options)
    {
        if (options is null)
        {
            return null;
        }

        var sampling = new Dictionary<string, JsonElement>(StringComparer.Ordinal);
        void Set<T>(string name, T? value, System.Text.Json.Serialization.Metadata.JsonTypeInfo<T> type)
            where T : struct
        {
            if (value is { } v)
            {
                sampling[name] = JsonSerializer.SerializeToElement(v, type);
            }
        }

        Set("temperature", Exact(options.Temperature), OllamaJsonContext.Default.Double);
        Set("top_p", Exact(options.TopP), OllamaJsonContext.Default.Double);
        Set("top_k", options.TopK, OllamaJsonContext.Default.Int32);
        Set("num_predict", options.MaxOutputTokens, OllamaJsonContext.Default.Int32);
        Set("seed", options.Seed, OllamaJsonContext.Default.Int64);
        Set("frequency_penalty", Exact(options.FrequencyPenalty), OllamaJsonContext.Default.Double);
        Set("presence_penalty", Exact(options.PresencePenalty), OllamaJsonContext.Default.Double);
        if (options.AdditionalProperties?.TryGetValue("num_ctx", out var context) == true && context is int or long)
        {
            Set("num_ctx", Convert.ToInt32(context, CultureInfo.InvariantCulture), OllamaJsonContext.Default.Int32);
        }
        if (options.StopSequences is { Count: > 0 } stop)
        {
            sampling["stop"] = JsonSerializer.SerializeToElement(stop.ToList(), OllamaJsonContext.Default.ListString);
        }

        return sampling.Count > 0 ? sampling : null;
    }

    /// <summary>0.2f as 0.2, not 0.20000000298023224: the float's shortest text, read as a double.</summary>
    private static double? Exact(float? value) => value is { } v ? double.Parse(v.ToString(CultureInfo.InvariantCulture), CultureInfo.InvariantCulture) : null;

    private static List<AIContent> Contents(OllamaChatResponse answer)
    {
        var contents = new List<AIContent>();
        if (!string.IsNullOrEmpty(answer.Message?.Thinking))
        {
            contents.Add(new TextReasoningContent(answer.Message.Thinking));
        }

        if (!string.IsNullOrEmpty(answer.Message?.Content))
        {
            contents.Add(new TextContent(answer.Message.Content));
        }

        foreach (var call in answer.Message?.ToolCalls ?? [])
        {
            // Arguments are an object on Ollama's wire; some models put a JSON string there instead.
            var raw = call.Function.Arguments;
            Exception? unreadable = null;
            if (raw.ValueKind == JsonValueKind.String)
            {
                try
                {
                    raw = JsonDocument.Parse(raw.GetString()!).RootElement.Clone();
                }
                catch (JsonException e)
                {
                    unreadable = e;
                }
            }

            var arguments = raw.ValueKind == JsonValueKind.Object
                ? raw.EnumerateObject().ToDictionary(p => p.Name, p => (object?)p.Value.Clone(), StringComparer.Ordinal)
                : new Dictionary<string, object?>(StringComparer.Ordinal);
            contents.Add(new FunctionCallContent(call.Id ?? "call_" + Guid.NewGuid().ToString("N")[..24], call.Function.Name, arguments) { Exception = unreadable });
        }

        return contents;
    }

    private static ChatFinishReason? Finish(OllamaChatResponse answer, IEnumerable<AIContent> contents) =>
        contents.OfType<FunctionCallContent>().Any() ? ChatFinishReason.ToolCalls
        : answer.DoneReason switch
        {
            "stop" => ChatFinishReason.Stop,
            "length" => ChatFinishReason.Length,
            null => null,
            var other => new ChatFinishReason(other),
        };

    private static UsageDetails? Usage(OllamaChatResponse answer) =>
        answer.PromptEvalCount is null && answer.EvalCount is null
            ? null
            : new UsageDetails
            {
                InputTokenCount = answer.PromptEvalCount,
                OutputTokenCount = answer.EvalCount,
                TotalTokenCount = (answer.PromptEvalCount ?? 0) + (answer.EvalCount ?? 0),
            };

    private static DateTimeOffset? Created(OllamaChatResponse answer) =>
        DateTimeOffset.TryParse(answer.CreatedAt, CultureInfo.InvariantCulture, DateTimeStyles.RoundtripKind, out var created) ? created : null;
}
