using System.Text.Json;
using System.Text.Json.Serialization;
using SutazAi.Gateway.Protocol;

namespace SutazAi.Gateway.Protocol.OpenAI;

/// <summary>
/// POST /v1/chat/completions. Unknown fields are dropped; fields that would change the result but
/// cannot be honoured are kept here so validation can reject them by name.
/// </summary>
internal sealed class ChatCompletionRequest
{
    [JsonPropertyName("model")] public string? Model { get; set; }
    [JsonPropertyName("messages")] public List<ChatMessage>? Messages { get; set; }
    [JsonPropertyName("temperature")] public double? Temperature { get; set; }
    [JsonPropertyName("top_p")] public double? TopP { get; set; }
    [JsonPropertyName("n")] public int? N { get; set; }
    [JsonPropertyName("stream")] public bool? Stream { get; set; }
    [JsonPropertyName("stream_options")] public StreamOptions? StreamOptions { get; set; }
    [JsonPropertyName("stop")] public StringOrStrings? Stop { get; set; }
    [JsonPropertyName("max_tokens")] public int? MaxTokens { get; set; }
    [JsonPropertyName("max_completion_tokens")] public int? MaxCompletionTokens { get; set; }
    [JsonPropertyName("frequency_penalty")] public double? FrequencyPenalty { get; set; }
    [JsonPropertyName("presence_penalty")] public double? PresencePenalty { get; set; }
    [JsonPropertyName("logit_bias")] public Dictionary<string, double>? LogitBias { get; set; }
    [JsonPropertyName("logprobs")] public bool? Logprobs { get; set; }
    [JsonPropertyName("top_logprobs")] public int? TopLogprobs { get; set; }
    [JsonPropertyName("seed")] public long? Seed { get; set; }
    [JsonPropertyName("response_format")] public ResponseFormat? ResponseFormat { get; set; }
    [JsonPropertyName("tools")] public List<ChatTool>? Tools { get; set; }
    [JsonPropertyName("tool_choice")] public JsonElement? ToolChoice { get; set; }
    [JsonPropertyName("parallel_tool_calls")] public bool? ParallelToolCalls { get; set; }
    [JsonPropertyName("reasoning_effort")] public string? ReasoningEffort { get; set; }
    [JsonPropertyName("modalities")] public List<string>? Modalities { get; set; }
    [JsonPropertyName("audio")] public JsonElement? Audio { get; set; }
    [JsonPropertyName("prediction")] public JsonElement? Prediction { get; set; }
    [JsonPropertyName("functions")] public JsonElement? Functions { get; set; }
    [JsonPropertyName("function_call")] public JsonElement? FunctionCall { get; set; }
    [JsonPropertyName("web_search_options")] public JsonElement? WebSearchOptions { get; set; }
}

internal sealed class StreamOptions
{
    [JsonPropertyName("include_usage")] public bool? IncludeUsage { get; set; }
}

internal sealed class ResponseFormat
{
    [JsonPropertyName("type")] public string? Type { get; set; }
    [JsonPropertyName("json_schema")] public JsonSchemaFormat? JsonSchema { get; set; }
}

internal sealed class JsonSchemaFormat
{
    [JsonPropertyName("name")] public string? Name { get; set; }
    [JsonPropertyName("description")] public string? Description { get; set; }
    [JsonPropertyName("schema")] public JsonElement? Schema { get; set; }
    [JsonPropertyName("strict")] public bool? Strict { get; set; }
}

internal sealed class ChatTool
{
    [JsonPropertyName("type")] public string? Type { get; set; }
    [JsonPropertyName("function")] public ChatFunction? Function { get; set; }
}

internal sealed class ChatFunction
{
    [JsonPropertyName("name")] public string? Name { get; set; }
    [JsonPropertyName("description")] public string? Description { get; set; }
    [JsonPropertyName("parameters")] public JsonElement? Parameters { get; set; }
    [JsonPropertyName("strict")] public bool? Strict { get; set; }
}
