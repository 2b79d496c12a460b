using System.Text.Json;
using SutazAi.Gateway.Protocol.Ollama;
using SutazAi.Gateway.Protocol.OpenAI;

namespace SutazAi.Gateway.Endpoints.OpenAI;

/// <summary>
/// Ollama /api/chat answers → OpenAI chat completions. One instance per response: it keeps the id,
/// the created time and the running tool-call index of a stream (PROTOCOLS.md §2.3, §2.4).
/// </summary>
internal sealed class ChatCompletionMapper(string model, long created)
{
    private readonly string _id = "chatcmpl-" + Guid.NewGuid().ToString("N");
    private int _toolIndex;

    public bool SawToolCalls => _toolIndex > 0;

    public ChatCompletionResponse Complete(OllamaChatResponse answer)
    {
        var message = answer.Message;
        var calls = ToolCalls(message?.ToolCalls);
        var content = message?.Content;
        return new ChatCompletionResponse
        {
            Id = _id,
            Created = created,
            Model = model,
            Choices =
            [
                new ChatChoice
                {
                    Message = new AssistantMessage
                    {
                        Content = calls is not null && string.IsNullOrEmpty(content) ? null : content ?? "",
                        ReasoningContent = string.IsNullOrEmpty(message?.Thinking) ? null : message.Thinking,
                        ToolCalls = calls,
                    },
                    FinishReason = FinishReason(answer.DoneReason),
                },
            ],
            Usage = Usage(answer),
        };
    }

    /// <summary>The first chunk of a stream: the role, with empty content.</summary>
    public ChatCompletionChunk RoleChunk() => Chunk(new ChunkDelta { Role = "assistant", Content = "" });

    /// <summary>Content-bearing chunks for one upstream line (thinking, content and tool calls each in their own chunk).</summary>
    public IEnumerable<ChatCompletionChunk> Deltas(OllamaChatResponse line)
    {
        var message = line.Message;
        if (message is null)
        {
            yield break;
        }

        if (!string.IsNullOrEmpty(message.Thinking))
        {
            yield return Chunk(new ChunkDelta { ReasoningContent = message.Thinking });
        }

        if (!string.IsNullOrEmpty(message.Content))
        {
            yield return Chunk(new ChunkDelta { Content = message.Content });
        }

        if (ToolCalls(message.ToolCalls) is { } calls)
        {
            yield return Chunk(new ChunkDelta { ToolCalls = calls });
        }
    }

    /// <summary>The one chunk with a finish_reason: empty delta.</summary>
    public ChatCompletionChunk FinishChunk(OllamaChatResponse final)
    {
        var chunk = Chunk(new ChunkDelta());
        chunk.Choices[0].FinishReason = FinishReason(final.DoneReason);
        return chunk;
    }

    /// <summary>stream_options.include_usage: choices empty, usage from Ollama's final counts.</summary>
    public ChatCompletionChunk UsageChunk(OllamaChatResponse final) => new()
    {
        Id = _id,
        Created = created,
        Model = model,
        Choices = [],
        Usage = Usage(final),
    };

    public static CompletionUsage Usage(OllamaChatResponse final)
    {
        var prompt = final.PromptEvalCount ?? 0;
        var completion = final.EvalCount ?? 0;
        return new CompletionUsage { PromptTokens = prompt, CompletionTokens = completion, TotalTokens = prompt + completion };
    }

    private ChatCompletionChunk Chunk(ChunkDelta delta) => new()
    {
        Id = _id,
        Created = created,
        Model = model,
        Choices = [new ChunkChoice { Delta = delta }],
    };

    /// <summary>Ollama says "stop" even when it called tools; OpenAI clients need "tool_calls".</summary>
    private string FinishReason(string? doneReason) => SawToolCalls ? "tool_calls" : doneReason == "length" ? "length" : "stop";

    private List<ToolCall>? ToolCalls(List<OllamaToolCall>? calls)
    {
        if (calls is not { Count: > 0 })
        {
            return null;
        }

        var result = new List<ToolCall>(calls.Count);
        foreach (var call in calls)
        {
            result.Add(new ToolCall
            {
                Index = _toolIndex++,
                Id = string.IsNullOrEmpty(call.Id) ? "call_" + Guid.NewGuid().ToString("N")[..24] : call.Id,
                Type = "function",
                Function = new FunctionCall
                {
                    Name = call.Function.Name,
                    Arguments = call.Function.Arguments.ValueKind == JsonValueKind.Undefined ? "{}" : call.Function.Arguments.GetRawText(),
                },
            });
        }

        return result;
    }
}
