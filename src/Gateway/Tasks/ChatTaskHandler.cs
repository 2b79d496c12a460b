using System.Text.Json;
using Microsoft.Extensions.Options;
using SutazAi.Gateway.Caching;
using SutazAi.Gateway.Endpoints.Admin;
using SutazAi.Gateway.Endpoints.Ollama;
using SutazAi.Gateway.Hosting;
using SutazAi.Gateway.Observability;
using SutazAi.Gateway.Protocol.Sutaz;

namespace SutazAi.Gateway.Tasks;

/// <summary>chat: payload as POST /api/v1/chat ({message, model, temperature, max_tokens}); result {response, model, tokens_used}.</summary>
internal sealed class ChatTaskHandler(CachedUpstream upstream, OllamaRequestRules rules, IOptions<GatewayOptions> gateway, GatewayMetrics metrics) : ITaskHandler
{
    public string TaskType => "chat";

    public void Validate(JsonElement payload) =>
        SutazChat.ToOllama(TaskPayload.Read(payload, SutazJsonContext.Default.SutazChatRequest), gateway.Value, rules, stream: false, "payload.");

    public async Task<string> RunAsync(TaskExecution execution, CancellationToken cancellationToken)
    {
        var request = TaskPayload.Read(execution.Payload, SutazJsonContext.Default.SutazChatRequest);
        var reply = await SutazChat.CompleteAsync(request, upstream, rules, gateway.Value, metrics, "payload.", cancellationToken).ConfigureAwait(false);
        return JsonSerializer.Serialize(reply, SutazJsonContext.Default.SutazChatReply);
    }
}
