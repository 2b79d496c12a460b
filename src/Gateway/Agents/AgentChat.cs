using System.Globalization;
using System.Runtime.CompilerServices;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.AI;
using SutazAi.Gateway.Errors;
using SutazAi.Gateway.Protocol.Ollama;
using SutazAi.Gateway.Storage.Agents;

namespace SutazAi.Gateway.Agents;

/// <summary>
/// "agent:&lt;name&gt;" as a model: a chat request for it runs the agent instead of going to a server, and its answer
/// comes back in Ollama's chat shape (one object, or chunks ending with done:true), which every surface already
/// renders in its own protocol. With thinking requested (Ollama <c>think</c>, OpenAI <c>reasoning_effort</c>), tool
/// calls and their results are shown as thinking, which OpenWebUI folds away.
/// </summary>
internal sealed class AgentChat(AgentStore store, AgentRunner runner, TimeProvider time, IHttpContextAccessor http)
{
    public const string Prefix = "agent:";
    private const int ProgressResultChars = 300;

    /// <summary>The chat's caller: the request's identity on an HTTP surface, the local owner elsewhere.</summary>
    private Auth.Caller Caller() => http.HttpContext is { } context ? Auth.Caller.From(context) : Auth.Caller.Local;

    public static bool IsAgentModel(string? model, out string name)
    {
        name = model is not null && model.StartsWith(Prefix, StringComparison.Ordinal) ? model[Prefix.Length..] : "";
        return name.Length > 0;
    }

    /// <summary>The agent behind an "agent:" model; an unknown one is the same 404 as an unknown model.</summary>
    public async Task<AgentRecord> ResolveAsync(string model, CancellationToken cancellationToken)
    {
        _ = IsAgentModel(model, out var name);
        return await store.FindAsync(name, cancellationToken).ConfigureAwait(false) is { } agent && agent.Name == name
            ? agent
            : throw GatewayException.ModelNotFound(model);
    }

    public async Task<OllamaChatResponse> CompleteAsync(OllamaChatRequest request, CancellationToken cancellationToken)
    {
        var agent = await ResolveAsync(request.Model!, cancellationToken).ConfigureAwait(false);
        var (response, _) = await runner.RunAsync(agent, Conversation(request), Caller(), cancellationToken).ConfigureAwait(false);
        var thinking = ShowProgress(request) ? Progress(response.Messages.SelectMany(m => m.Contents), new(StringComparer.Ordinal)) : null;
        var answer = Chunk(request.Model!, response.Messages.LastOrDefault(m => m.Role == ChatRole.Assistant)?.Text ?? "", thinking);
        Finish(answer, response.Usage);
        return answer;
    }

    /// <summary>Streams the agent's answer as Ollama chunks; the last one has done:true and the usage of all turns.</summary>
    public async IAsyncEnumerable<OllamaChatResponse> StreamAsync(AgentRecord agent, OllamaChatRequest request,
        [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var progress = ShowProgress(request);
        var usage = new UsageDetails();
        var names = new Dictionary<string, string>(StringComparer.Ordinal);
        await foreach (var update in runner.StreamAsync(agent, Conversation(request), Caller(), cancellationToken).ConfigureAwait(false))
        {
            foreach (var used in update.Contents.OfType<UsageContent>())
            {
                usage.Add(used.Details);
            }

            var thinking = progress ? Progress(update.Contents, names) : null;
            var content = update.Role == ChatRole.Tool ? "" : string.Concat(update.Contents.OfType<TextContent>().Select(t => t.Text));
            if (content.Length > 0 || thinking is not null)
            {
                yield return Chunk(request.Model!, content, thinking);
            }
        }

        var final = Chunk(request.Model!, "", null);
        Finish(final, usage);
        yield return final;
    }

    private static bool ShowProgress(OllamaChatRequest request) =>
        request.Think is { ValueKind: JsonValueKind.True } or { ValueKind: JsonValueKind.String };

    /// <summary>The request's conversation; the agent brings its own system prompt and tools, so the client's tools are not used.</summary>
    private static List<ChatMessage> Conversation(OllamaChatRequest request)
    {
        var messages = new List<ChatMessage>();
        foreach (var message in request.Messages ?? [])
        {
            var role = message.Role switch
            {
                "system" => ChatRole.System,
                "assistant" => ChatRole.Assistant,
                "tool" => ChatRole.Tool,
                _ => ChatRole.User,
            };
            var contents = new List<AIContent>();
            if (role == ChatRole.Tool)
            {
                // A tool result of the client's own earlier tool call: it reads as context for the agent.
                contents.Add(new TextContent($"[{message.ToolName ?? "tool"} result] {message.Content}"));
                role = ChatRole.User;
            }
            else if (!string.IsNullOrEmpty(message.Content))
            {
                contents.Add(new TextContent(message.Content));
            }

            foreach (var image in message.Images ?? [])
            {
                contents.Add(new DataContent(Convert.FromBase64String(image), "image/png"));
            }

            if (contents.Count > 0)
            {
                messages.Add(new ChatMessage(role, contents));
            }
        }

        return messages.Count > 0 ? messages : throw GatewayException.Invalid("messages must not be empty", "messages");
    }

    /// <summary>Tool calls and results as thinking lines, or null when there are none; <paramref name="names"/> maps call ids to tool names.</summary>
    private static string? Progress(IEnumerable<AIContent> contents, Dictionary<string, string> names)
    {
        var text = new StringBuilder();
        foreach (var content in contents)
        {
            if (content is FunctionCallContent call)
            {
                names[call.CallId] = call.Name;
                text.Append(CallText(call));
            }
            else if (content is FunctionResultContent result)
            {
                text.Append(ResultText(names.GetValueOrDefault(result.CallId, "tool"), result));
            }
        }

        return text.Length > 0 ? text.ToString() : null;
    }

    private static string CallText(FunctionCallContent call) =>
        $"Calling {call.Name}({JsonSerializer.Serialize(call.Arguments ?? new Dictionary<string, object?>(), AIJsonUtilities.DefaultOptions).ReplaceLineEndings("").Replace("  ", "", StringComparison.Ordinal)})\n";

    private static string ResultText(string name, FunctionResultContent result)
    {
        var text = result.Result?.ToString() ?? "";
        return $"{name} → {(text.Length > ProgressResultChars ? string.Concat(text.AsSpan(0, ProgressResultChars), "…") : text)}\n";
    }

    private OllamaChatResponse Chunk(string model, string content, string? thinking) => new()
    {
        Model = model,
        CreatedAt = time.GetUtcNow().UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fffffff'Z'", CultureInfo.InvariantCulture),
        Message = new OllamaMessage { Role = "assistant", Content = content, Thinking = thinking },
    };

    private static void Finish(OllamaChatResponse answer, UsageDetails? usage)
    {
        answer.Done = true;
        answer.DoneReason = "stop";
        answer.PromptEvalCount = (int?)usage?.InputTokenCount ?? 0;
        answer.EvalCount = (int?)usage?.OutputTokenCount ?? 0;
    }
}
