using System.Text.Json;
using SutazAi.Gateway.Endpoints.Ollama;
using SutazAi.Gateway.Errors;
using SutazAi.Gateway.Hosting;
using SutazAi.Gateway.Protocol.Ollama;
using SutazAi.Gateway.Protocol.Sutaz;

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
}
