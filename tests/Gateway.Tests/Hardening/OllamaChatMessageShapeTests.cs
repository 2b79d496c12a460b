using System.Net;
using System.Text.Json;
using SutazAi.Gateway.Tests.BadInput;
using SutazAi.Gateway.Tests.Infrastructure;
using SutazAi.TestKit;

namespace SutazAi.Gateway.Tests.Hardening;

/// <summary>
/// Minimal reproductions of what the IN-09 sweep found on /api/chat: message shapes that pass validation and then
/// fail inside the handler with a 500. Each must be a 400 in Ollama's shape, or (arguments) be forwarded as a JSON object.
/// </summary>
public sealed class OllamaChatMessageShapeTests
{
    [Theory]
    [InlineData("""{"role":null,"content":"hi"}""")]
    [InlineData("""{"content":"hi","role":null,"images":[]}""")]
    [InlineData("""{"role":"assistant","content":"","tool_calls":[null]}""")]
    [InlineData("""{"role":"assistant","content":"","tool_calls":[{"function":null}]}""")]
    public async Task OllamaChat_NullRoleOrToolCall_Returns400(string message)
    {
        await using var fake = await FakeOllama.StartAsync(RouteBodies.Model);
        await using var gateway = GatewayFactory.For(fake);
        var body = $$"""{"model":"llama3:latest","messages":[{{message}}],"stream":false}""";

        var response = await gateway.Client().PostAsync("/api/chat", RouteBodies.Bytes(body));

        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.BadRequest, $"{message}: {(int)response.StatusCode} {text}");
        ErrorBodies.AssertOllama(text);
        ErrorBodies.AssertNoGeneration(fake);
    }

    /// <summary>Ollama itself accepts a tool call without arguments; the gateway must not turn it into a 500.</summary>
    [Theory]
    [InlineData("""{"name":"f"}""")]
    [InlineData("""{"name":"f","argumentz":{"a":1}}""")]
    [InlineData("""{}""")]
    public async Task OllamaChat_ToolCallWithoutArguments_ForwardedAsObjectOrRejected(string function)
    {
        await using var fake = await FakeOllama.StartAsync(RouteBodies.Model);
        await using var gateway = GatewayFactory.For(fake);
        var body = $$"""{"model":"llama3:latest","messages":[{"role":"user","content":"hi"},{"role":"assistant","content":"","tool_calls":[{"function":{{function}}}]}],"stream":false}""";

        var response = await gateway.Client().PostAsync("/api/chat", RouteBodies.Bytes(body));

        var text = await response.Content.ReadAsStringAsync();
        if (response.StatusCode == HttpStatusCode.BadRequest)
        {
            ErrorBodies.AssertOllama(text);
            ErrorBodies.AssertNoGeneration(fake);
            return;
        }

        Assert.True(response.StatusCode == HttpStatusCode.OK, $"{function}: {(int)response.StatusCode} {text}");
        var call = Assert.Single(fake.RequestsTo("/api/chat")).Json.GetProperty("messages")[1].GetProperty("tool_calls")[0];
        Assert.Equal(JsonValueKind.Object, call.GetProperty("function").GetProperty("arguments").ValueKind);
    }
}
