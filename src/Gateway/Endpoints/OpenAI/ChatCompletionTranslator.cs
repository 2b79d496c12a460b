using System.Text.Json;
using SutazAi.Gateway.Endpoints.Ollama;
using SutazAi.Gateway.Errors;
using SutazAi.Gateway.Protocol.Ollama;
using SutazAi.Gateway.Protocol.OpenAI;

namespace SutazAi.Gateway.Endpoints.OpenAI;

/// <summary>
/// OpenAI chat request → Ollama's native /api/chat request (not Ollama's own /v1 shim). Fields that would
/// change the result but cannot be honoured are a 400 naming the field; unknown fields are dropped.
/// </summary>
internal static class ChatCompletionTranslator
{
    public static OllamaChatRequest ToOllama(ChatCompletionRequest request, OllamaRequestRules rules)
    {
        Reject(request);
        var messages = request.Messages is { Count: > 0 } m ? m : throw GatewayException.Invalid("messages must be a non-empty array", "messages");
        var toolNames = new Dictionary<string, string>(StringComparer.Ordinal);
        var ollama = new OllamaChatRequest
        {
            Model = request.Model,
            Messages = new List<OllamaMessage>(messages.Count),
            Stream = request.Stream ?? false,
        };

        for (var i = 0; i < messages.Count; i++)
        {
            ollama.Messages.Add(Message(messages[i] ?? throw GatewayException.Invalid("messages must not contain null", $"messages[{i}]"), i, toolNames));
        }

        ollama.Tools = Tools(request);
        ollama.Format = Format(request.ResponseFormat);
        ollama.Think = Think(request.ReasoningEffort);
        ollama.Options = Options(request, rules);
        rules.Apply(ollama);
        return ollama;
    }

    private static void Reject(ChatCompletionRequest request)
    {
        if (request.N is { } n && n != 1)
        {
            throw GatewayException.Invalid("n other than 1 is not supported", "n");
        }

        if (request.Logprobs is true)
        {
            throw GatewayException.Invalid("logprobs is not supported", "logprobs");
        }

        if (request.TopLogprobs is > 0)
        {
            throw GatewayException.Invalid("top_logprobs is not supported", "top_logprobs");
        }

        if (request.LogitBias is { Count: > 0 })
        {
            throw GatewayException.Invalid("logit_bias is not supported", "logit_bias");
        }

        if (request.Audio is { ValueKind: not JsonValueKind.Null } || request.Modalities?.Contains("audio") == true)
        {
            throw GatewayException.Invalid("audio output is not supported", request.Audio is null ? "modalities" : "audio");
        }

        if (request.Functions is { ValueKind: not JsonValueKind.Null } || request.FunctionCall is { ValueKind: not JsonValueKind.Null })
        {
            throw GatewayException.Invalid("functions and function_call are not supported; use tools", request.Functions is null ? "function_call" : "functions");
        }

        if (request.WebSearchOptions is { ValueKind: not JsonValueKind.Null })
        {
            throw GatewayException.Invalid("web_search_options is not supported", "web_search_options");
        }

        Range(request.Temperature, 0, 2, "temperature");
        Range(request.TopP, 0, 1, "top_p");
        Range(request.FrequencyPenalty, -2, 2, "frequency_penalty");
        Range(request.PresencePenalty, -2, 2, "presence_penalty");
        if (request.MaxTokens is < 1)
        {
            throw GatewayException.Invalid("max_tokens must be at least 1", "max_tokens");
        }

        if (request.MaxCompletionTokens is < 1)
        {
            throw GatewayException.Invalid("max_completion_tokens must be at least 1", "max_completion_tokens");
        }
    }

    private static void Range(double? value, double min, double max, string param)
    {
        if (value is { } v && (v < min || v > max))
        {
            throw GatewayException.Invalid($"{param} must be between {min} and {max}", param);
        }
    }

    private static OllamaMessage Message(ChatMessage message, int i, Dictionary<string, string> toolNames)
    {
        var role = message.Role switch
        {
            "developer" or "system" => "system",
            "user" => "user",
            "assistant" => "assistant",
            "tool" => "tool",
            _ => throw GatewayException.Invalid($"messages[{i}].role must be developer, system, user, assistant or tool", $"messages[{i}].role"),
        };

        var result = new OllamaMessage { Role = role };
        if (message.Content is { } content)
        {
            Content(content, role, i, result);
        }

        if (role == "assistant")
        {
            result.Thinking = message.ReasoningContent;
            var calls = message.ToolCalls ?? [];
            if (calls.Count > 0)
            {
                result.ToolCalls = new List<OllamaToolCall>(calls.Count);
                for (var j = 0; j < calls.Count; j++)
                {
                    result.ToolCalls.Add(ToolCall(calls[j], i, j, toolNames));
                }
            }
        }

        if (role == "tool")
        {
            result.ToolCallId = message.ToolCallId ?? throw GatewayException.Invalid("tool messages need tool_call_id", $"messages[{i}].tool_call_id");
            result.ToolName = toolNames.GetValueOrDefault(result.ToolCallId) ?? message.Name;
        }

        result.Content ??= "";
        return result;
    }

    private static void Content(MessageContent content, string role, int i, OllamaMessage result)
    {
        if (content.Parts is not { } parts)
        {
            result.Content = content.Text;
            return;
        }

        var text = new System.Text.StringBuilder();
        for (var j = 0; j < parts.Count; j++)
        {
            var part = parts[j];
            switch (part?.Type)
            {
                case "text":
                    if (text.Length > 0)
                    {
                        text.Append('\n');
                    }

                    text.Append(part.Text);
                    break;
                case "image_url" when role == "user":
                    (result.Images ??= []).Add(ImageData(part.ImageUrl?.Url, $"messages[{i}].content[{j}].image_url"));
                    break;
                default:
                    throw GatewayException.Invalid($"content part type {part?.Type} is not supported here", $"messages[{i}].content[{j}].type");
            }
        }

        result.Content = text.ToString();
    }

    /// <summary>Ollama wants raw base64; only data: URLs are accepted (the gateway fetches nothing).</summary>
    private static string ImageData(string? url, string param)
    {
        const string marker = ";base64,";
        var comma = url?.IndexOf(marker, StringComparison.Ordinal) ?? -1;
        if (url is null || !url.StartsWith("data:image/", StringComparison.OrdinalIgnoreCase) || comma < 0)
        {
            throw GatewayException.Invalid("image_url must be a base64 data: URL", param);
        }

        return url[(comma + marker.Length)..];
    }

    private static OllamaToolCall ToolCall(ToolCall call, int i, int j, Dictionary<string, string> toolNames)
    {
        var param = $"messages[{i}].tool_calls[{j}]";
        var name = call.Function?.Name ?? throw GatewayException.Invalid("tool call needs function.name", $"{param}.function.name");
        JsonElement arguments;
        try
        {
            using var document = JsonDocument.Parse(string.IsNullOrWhiteSpace(call.Function.Arguments) ? "{}" : call.Function.Arguments);
            arguments = document.RootElement.ValueKind == JsonValueKind.Object
                ? document.RootElement.Clone()
                : throw GatewayException.Invalid("function.arguments must be a JSON object", $"{param}.function.arguments");
        }
        catch (JsonException)
        {
            throw GatewayException.Invalid("function.arguments is not valid JSON", $"{param}.function.arguments");
        }

        if (call.Id is { } id)
        {
            toolNames[id] = name;
        }

        return new OllamaToolCall { Id = call.Id, Function = new OllamaFunctionCall { Index = j, Name = name, Arguments = arguments } };
    }

    private static List<JsonElement>? Tools(ChatCompletionRequest request)
    {
        var choice = request.ToolChoice;
        if (choice is { ValueKind: JsonValueKind.String } s && s.GetString() == "none")
        {
            return null;
        }

        if (choice is { ValueKind: not JsonValueKind.Null } c && !(c.ValueKind == JsonValueKind.String && c.GetString() == "auto"))
        {
            throw GatewayException.Invalid("tool_choice other than \"auto\" or \"none\" cannot be enforced by the upstream", "tool_choice");
        }

        if (request.Tools is not { Count: > 0 } tools)
        {
            return null;
        }

        var result = new List<JsonElement>(tools.Count);
        for (var i = 0; i < tools.Count; i++)
        {
            var tool = tools[i];
            if (tool?.Type != "function" || tool.Function?.Name is not { Length: > 0 })
            {
                throw GatewayException.Invalid("each tool must be {\"type\":\"function\",\"function\":{\"name\",...}}", $"tools[{i}]");
            }

            result.Add(JsonSerializer.SerializeToElement(tool, OpenAiJsonContext.Default.ChatTool));
        }

        return result;
    }

    private static JsonElement? Format(ResponseFormat? format) => format?.Type switch
    {
        null or "text" => null,
        "json_object" => JsonSerializer.SerializeToElement("json", OpenAiJsonContext.Default.String),
        "json_schema" when format.JsonSchema?.Schema is { ValueKind: JsonValueKind.Object } schema => schema,
        "json_schema" => throw GatewayException.Invalid("response_format.json_schema.schema must be a JSON schema object", "response_format.json_schema.schema"),
        _ => throw GatewayException.Invalid("response_format.type must be text, json_object or json_schema", "response_format.type"),
    };

    private static JsonElement? Think(string? effort) => effort switch
    {
        null => null,
        "none" or "minimal" => JsonSerializer.SerializeToElement(false, OllamaJsonContext.Default.Boolean),
        "low" or "medium" or "high" => JsonSerializer.SerializeToElement(effort, OpenAiJsonContext.Default.String),
        _ => throw GatewayException.Invalid("reasoning_effort must be none, minimal, low, medium or high", "reasoning_effort"),
    };

    private static Dictionary<string, JsonElement>? Options(ChatCompletionRequest request, OllamaRequestRules rules)
    {
        var options = new Dictionary<string, JsonElement>(StringComparer.Ordinal);
        Add(options, "temperature", request.Temperature);
        Add(options, "top_p", request.TopP);
        Add(options, "frequency_penalty", request.FrequencyPenalty);
        Add(options, "presence_penalty", request.PresencePenalty);
        if (request.Seed is { } seed)
        {
            options["seed"] = JsonSerializer.SerializeToElement(seed, OllamaJsonContext.Default.Int64);
        }

        if ((request.MaxCompletionTokens ?? request.MaxTokens) is { } max)
        {
            options["num_predict"] = JsonSerializer.SerializeToElement(rules.ClampOutputTokens(max), OllamaJsonContext.Default.Int32);
        }

        if (request.Stop is { Values.Count: > 0 } stop)
        {
            options["stop"] = JsonSerializer.SerializeToElement(stop.Values, OllamaJsonContext.Default.ListString);
        }

        return options.Count == 0 ? null : options;
    }

    private static void Add(Dictionary<string, JsonElement> options, string key, double? value)
    {
        if (value is { } v)
        {
            options[key] = JsonSerializer.SerializeToElement(v, OllamaJsonContext.Default.Double);
        }
    }
}
