using System.Globalization;
using System.Text.Json;
using SutazAi.Gateway.Errors;
using SutazAi.Gateway.Hosting;
using SutazAi.Gateway.Protocol.Ollama;
using SutazAi.Gateway.Upstreams;

namespace SutazAi.Gateway.Endpoints.Ollama;

/// <summary>
/// Validates and clamps an Ollama request before it is re-serialised for the upstream. Both the Ollama and
/// the OpenAI surface go through here, so one documented rule applies per field (README, "Limits").
/// </summary>
internal sealed class OllamaRequestRules(LimitsOptions limits)
{
    private static readonly HashSet<string> s_roles = new(StringComparer.Ordinal) { "system", "user", "assistant", "tool" };
    private static readonly HashSet<string> s_thinkLevels = new(StringComparer.Ordinal) { "low", "medium", "high", "max" };
    private static readonly HashSet<string> s_integerOptions = new(StringComparer.Ordinal)
    {
        "num_keep", "seed", "num_predict", "top_k", "repeat_last_n", "num_ctx", "num_batch", "num_gpu", "main_gpu", "num_thread", "mirostat",
    };

    private static readonly HashSet<string> s_numberOptions = new(StringComparer.Ordinal)
    {
        "top_p", "min_p", "typical_p", "temperature", "repeat_penalty", "presence_penalty", "frequency_penalty", "mirostat_tau", "mirostat_eta", "tfs_z",
    };

    /// <summary>What a tool call without arguments is forwarded with (Ollama accepts {}).</summary>
    private static readonly JsonElement EmptyObject = JsonDocument.Parse("{}").RootElement.Clone();

    public static string Model(string? model, string? legacyName) => ModelName.Validate(model ?? legacyName);

    public void Apply(OllamaChatRequest request)
    {
        request.Model = Model(request.Model, request.Name);
        request.Name = null;
        var messages = request.Messages ?? [];
        if (messages.Count > limits.MaxMessages)
        {
            throw GatewayException.Invalid($"messages has more than {limits.MaxMessages} entries", "messages");
        }

        for (var i = 0; i < messages.Count; i++)
        {
            var message = messages[i] ?? throw GatewayException.Invalid("messages must not contain null", $"messages[{i}]");
            message.Role = message.Role?.ToLowerInvariant()!;
            if (message.Role is null || !s_roles.Contains(message.Role))
            {
                throw GatewayException.Invalid($"messages[{i}].role must be system, user, assistant or tool", $"messages[{i}].role");
            }

            var calls = message.ToolCalls ?? [];
            for (var j = 0; j < calls.Count; j++)
            {
                var param = $"messages[{i}].tool_calls[{j}]";
                var function = calls[j]?.Function ?? throw GatewayException.Invalid("tool call needs a function object", param);
                if (string.IsNullOrEmpty(function.Name))
                {
                    throw GatewayException.Invalid("tool call needs function.name", $"{param}.function.name");
                }

                function.Arguments = function.Arguments.ValueKind switch
                {
                    JsonValueKind.Object => function.Arguments,
                    JsonValueKind.Undefined or JsonValueKind.Null => EmptyObject,
                    _ => throw GatewayException.Invalid("tool call arguments must be a JSON object", $"{param}.function.arguments"),
                };
            }
        }

        request.Tools = Tools(request.Tools);
        request.Format = Format(request.Format);
        request.Think = Think(request.Think);
        request.KeepAlive = KeepAlive(request.KeepAlive);
        request.Options = Options(request.Options);
        TopLogprobs(request.TopLogprobs);
    }

    public void Apply(OllamaGenerateRequest request)
    {
        request.Model = Model(request.Model, request.Name);
        request.Name = null;
        if (request.Context is { Count: 0 })
        {
            request.Context = null;
        }

        request.Format = Format(request.Format);
        request.Think = Think(request.Think);
        request.KeepAlive = KeepAlive(request.KeepAlive);
        request.Options = Options(request.Options);
        TopLogprobs(request.TopLogprobs);
    }

    public void Apply(OllamaEmbedRequest request)
    {
        request.Model = Model(request.Model, request.Name);
        request.Name = null;
        var input = request.Input ?? throw GatewayException.Invalid("input is required", "input");
        if (input.Values.Count > limits.MaxEmbeddingInputs)
        {
            throw GatewayException.Invalid($"input has more than {limits.MaxEmbeddingInputs} entries", "input");
        }

        if (request.Dimensions is < 1)
        {
            throw GatewayException.Invalid("dimensions must be at least 1", "dimensions");
        }

        request.KeepAlive = KeepAlive(request.KeepAlive);
        request.Options = Options(request.Options);
    }

    public void Apply(OllamaEmbeddingsRequest request)
    {
        request.Model = Model(request.Model, request.Name);
        request.Name = null;
        request.KeepAlive = KeepAlive(request.KeepAlive);
        request.Options = Options(request.Options);
    }

    /// <summary>max_tokens / num_predict: clamped to the ceiling; -1 and -2 (unbounded) become the ceiling too.</summary>
    public int ClampOutputTokens(long requested) => requested < 0 || requested > limits.MaxOutputTokens ? limits.MaxOutputTokens : (int)requested;

    private List<JsonElement>? Tools(List<JsonElement>? tools)
    {
        if (tools is null || tools.Count == 0)
        {
            return null;
        }

        if (tools.Count > limits.MaxTools)
        {
            throw GatewayException.Invalid($"tools has more than {limits.MaxTools} entries", "tools");
        }

        for (var i = 0; i < tools.Count; i++)
        {
            if (tools[i].ValueKind != JsonValueKind.Object
                || !tools[i].TryGetProperty("function", out var function) || function.ValueKind != JsonValueKind.Object
                || !function.TryGetProperty("name", out var name) || name.ValueKind != JsonValueKind.String)
            {
                throw GatewayException.Invalid("each tool must be an object with function.name", $"tools[{i}]");
            }
        }

        return tools;
    }

    private static JsonElement? Format(JsonElement? format) => format switch
    {
        null => null,
        { ValueKind: JsonValueKind.Null } => null,
        { ValueKind: JsonValueKind.String } s when s.GetString() is "" => null,
        { ValueKind: JsonValueKind.String } s when s.GetString() is "json" => s,
        { ValueKind: JsonValueKind.Object } o => o,
        _ => throw GatewayException.Invalid("format must be \"json\" or a JSON schema object", "format"),
    };

    private static JsonElement? Think(JsonElement? think) => think switch
    {
        null => null,
        { ValueKind: JsonValueKind.Null } => null,
        { ValueKind: JsonValueKind.True or JsonValueKind.False } b => b,
        { ValueKind: JsonValueKind.String } s when s_thinkLevels.Contains(s.GetString()!) => s,
        _ => throw GatewayException.Invalid("think must be a boolean or one of low, medium, high, max", "think"),
    };

    private JsonElement? KeepAlive(JsonElement? keepAlive)
    {
        if (keepAlive is not { } value || value.ValueKind == JsonValueKind.Null)
        {
            return null;
        }

        TimeSpan duration;
        if (value.ValueKind == JsonValueKind.Number && value.TryGetDouble(out var seconds) && double.IsFinite(seconds))
        {
            duration = seconds < 0 ? TimeSpan.MinValue : TimeSpan.FromSeconds(Math.Min(seconds, TimeSpan.MaxValue.TotalSeconds / 2));
        }
        else if (value.ValueKind == JsonValueKind.String && double.TryParse(value.GetString(), NumberStyles.Float, CultureInfo.InvariantCulture, out var numeric) && double.IsFinite(numeric))
        {
            // Ollama accepts a number of seconds sent as a string ("-1", "300").
            duration = numeric < 0 ? TimeSpan.MinValue : TimeSpan.FromSeconds(Math.Min(numeric, TimeSpan.MaxValue.TotalSeconds / 2));
        }
        else if (value.ValueKind == JsonValueKind.String && TryParseGoDuration(value.GetString()!, out duration))
        {
        }
        else
        {
            throw GatewayException.Invalid("keep_alive must be a number of seconds or a duration such as \"5m\"", "keep_alive");
        }

        if (duration >= TimeSpan.Zero && duration <= limits.MaxKeepAlive)
        {
            return value;
        }

        // Negative (keep forever) or above the ceiling: pinned to the ceiling, in seconds.
        return JsonSerializer.SerializeToElement((long)limits.MaxKeepAlive.TotalSeconds, OllamaJsonContext.Default.Int64);
    }

    private Dictionary<string, JsonElement>? Options(Dictionary<string, JsonElement>? options)
    {
        if (options is null || options.Count == 0)
        {
            return null;
        }

        foreach (var (key, value) in options)
        {
            if (s_integerOptions.Contains(key) && !(value.ValueKind == JsonValueKind.Number && value.TryGetInt64(out _)))
            {
                throw GatewayException.Invalid($"options.{key} must be an integer", $"options.{key}");
            }

            if (s_numberOptions.Contains(key) && !(value.ValueKind == JsonValueKind.Number && value.TryGetDouble(out var d) && double.IsFinite(d)))
            {
                throw GatewayException.Invalid($"options.{key} must be a number", $"options.{key}");
            }

            if (value.ValueKind is JsonValueKind.Object)
            {
                throw GatewayException.Invalid($"options.{key} must not be an object", $"options.{key}");
            }
        }

        if (options.TryGetValue("num_ctx", out var numCtx) && numCtx.GetInt64() > limits.MaxContextTokens)
        {
            throw GatewayException.Invalid($"options.num_ctx must not exceed {limits.MaxContextTokens}", "options.num_ctx");
        }

        if (options.TryGetValue("num_predict", out var numPredict))
        {
            var clamped = ClampOutputTokens(numPredict.GetInt64());
            if (clamped != numPredict.GetInt64())
            {
                options["num_predict"] = JsonSerializer.SerializeToElement(clamped, OllamaJsonContext.Default.Int32);
            }
        }

        if (options.TryGetValue("stop", out var stop) && !(stop.ValueKind == JsonValueKind.String
            || (stop.ValueKind == JsonValueKind.Array && stop.EnumerateArray().All(s => s.ValueKind == JsonValueKind.String))))
        {
            throw GatewayException.Invalid("options.stop must be a string or an array of strings", "options.stop");
        }

        return options;
    }

    private static void TopLogprobs(int? topLogprobs)
    {
        if (topLogprobs is < 0 or > 20)
        {
            throw GatewayException.Invalid("top_logprobs must be between 0 and 20", "top_logprobs");
        }
    }

    /// <summary>Go's time.ParseDuration subset Ollama accepts: "300ms", "5m", "1h30m", "-1s".</summary>
    internal static bool TryParseGoDuration(string text, out TimeSpan duration)
    {
        duration = TimeSpan.Zero;
        var span = text.AsSpan().Trim();
        var negative = span.StartsWith("-");
        if (negative || span.StartsWith("+"))
        {
            span = span[1..];
        }

        if (span.IsEmpty)
        {
            return false;
        }

        if (span is "0")
        {
            return true;
        }

        double totalSeconds = 0;
        while (!span.IsEmpty)
        {
            var digits = 0;
            while (digits < span.Length && (char.IsAsciiDigit(span[digits]) || span[digits] == '.'))
            {
                digits++;
            }

            if (digits == 0 || !double.TryParse(span[..digits], NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var number))
            {
                return false;
            }

            span = span[digits..];
            var unit = 0;
            while (unit < span.Length && !char.IsAsciiDigit(span[unit]) && span[unit] != '.')
            {
                unit++;
            }

            double? scale = span[..unit] switch
            {
                "ns" => 1e-9,
                "us" or "µs" => 1e-6,
                "ms" => 1e-3,
                "s" => 1,
                "m" => 60,
                "h" => 3600,
                _ => null,
            };
            if (scale is null)
            {
                return false;
            }

            totalSeconds += number * scale.Value;
            span = span[unit..];
        }

        if (totalSeconds > TimeSpan.MaxValue.TotalSeconds / 2)
        {
            totalSeconds = TimeSpan.MaxValue.TotalSeconds / 2;
        }

        duration = negative ? TimeSpan.MinValue : TimeSpan.FromSeconds(totalSeconds);
        return true;
    }
}
