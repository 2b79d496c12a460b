using System.Buffers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using SutazAi.Gateway.Protocol.Ollama;

namespace SutazAi.Gateway.Caching;

/// <summary>
/// Rebuilds the upstream's non-streamed answer from a streamed one, so a deterministic streamed request fills the
/// cache as a non-streamed one does: the final (done:true) object with the whole text (chat: message.content,
/// thinking and tool_calls; generate: response and thinking) put back in. Stops recording once the answer is
/// larger than a cache entry may be.
/// </summary>
internal sealed class StreamedAnswer(string key, int maxBytes)
{
    private readonly StringBuilder _content = new();
    private readonly StringBuilder _thinking = new();
    private readonly StringBuilder _response = new();
    private readonly StringBuilder _responseThinking = new();
    private List<OllamaToolCall>? _toolCalls;
    private byte[]? _final;
    private bool _tooLarge;

    public string Key { get; } = key;

    public void Add(ReadOnlyMemory<byte> line, OllamaChatResponse chunk)
    {
        if (_tooLarge)
        {
            return;
        }

        _content.Append(chunk.Message?.Content);
        _thinking.Append(chunk.Message?.Thinking);
        _response.Append(chunk.Response);
        _responseThinking.Append(chunk.Thinking);
        if (chunk.Message?.ToolCalls is { Count: > 0 } calls)
        {
            (_toolCalls ??= []).AddRange(calls);
        }

        if (chunk.Done && ResponseCache.Cacheable(chunk))
        {
            _final = line.ToArray();
        }

        // UTF-8 takes at most 3 bytes per UTF-16 unit (JSON escapes are rare with relaxed escaping).
        _tooLarge = (_content.Length + _thinking.Length + _response.Length + _responseThinking.Length) * 3 > maxBytes;
    }

    /// <summary>The non-streamed answer, or null when the stream did not end with a cacheable done:true or grew too large.</summary>
    public byte[]? Build()
    {
        if (_final is null || _tooLarge || JsonNode.Parse(_final) is not JsonObject answer)
        {
            return null;
        }

        if (answer["message"] is JsonObject message)
        {
            message["content"] = _content.ToString();
            Set(message, "thinking", _thinking);
            if (_toolCalls is not null)
            {
                message["tool_calls"] = JsonSerializer.SerializeToNode(_toolCalls, OllamaJsonContext.Default.ListOllamaToolCall);
            }
        }

        if (answer.ContainsKey("response"))
        {
            answer["response"] = _response.ToString();
            Set(answer, "thinking", _responseThinking);
        }

        var buffer = new ArrayBufferWriter<byte>(_final.Length + ((_content.Length + _response.Length) * 2));
        using (var writer = new Utf8JsonWriter(buffer, new JsonWriterOptions { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            answer.WriteTo(writer);
        }

        return buffer.WrittenSpan.ToArray();
    }

    private static void Set(JsonObject target, string name, StringBuilder text)
    {
        if (text.Length > 0)
        {
            target[name] = text.ToString();
        }
    }
}
