using System.Text.Json;

namespace SutazAi.Gateway.Protocol.Ollama;

/// <summary>What chat and generate requests share for caching: the stream flag, the sampling options, logprobs.</summary>
internal interface IGenerationRequest
{
    bool? Stream { get; set; }

    Dictionary<string, JsonElement>? Options { get; }

    bool? Logprobs { get; }
}
