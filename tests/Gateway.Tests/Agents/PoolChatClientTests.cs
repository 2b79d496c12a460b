using System.Text.Json;
using Microsoft.Extensions.AI;
using SutazAi.Agents.Runtime;
using SutazAi.Gateway.Agents;
using SutazAi.Gateway.Errors;
using SutazAi.Gateway.Tests.Infrastructure;
using SutazAi.Gateway.Upstreams;
using SutazAi.Plugins.Tools;
using SutazAi.TestKit;

namespace SutazAi.Gateway.Tests.Agents;

/// <summary>The agents' IChatClient over the upstream pool, in a real tool conversation with FakeOllama.</summary>
public sealed class PoolChatClientTests
{
    private const string Model = "llama3:latest";
    private const string Call = """[{"id":"call_1","function":{"name":"calculator","arguments":{"expression":"6*7"}}}]""";

    private static readonly ChatMessage[] Question = [new(ChatRole.System, "Use tools for arithmetic."), new(ChatRole.User, "What is 6 times 7?")];

    /// <summary>First request: the model asks for the calculator; second (it carries the tool result): it answers.</summary>
    private static void ScriptToolConversation(FakeOllama fake, bool stream) => fake.Script("/api/chat", request =>
    {
        var answered = request.Json.GetProperty("messages").EnumerateArray().Any(m => m.GetProperty("role").GetString() == "tool");
        var lines = answered
            ? new[] { FakeOllama.ChatLine(Model, "The answer"), FakeOllama.ChatLine(Model, " is 42.", done: true, promptEval: 30, eval: 6) }
            : [FakeOllama.ChatLine(Model, "", toolCallsJson: Call), FakeOllama.ChatLine(Model, "", done: true, promptEval: 20, eval: 4)];
        return stream ? FakeReply.Ndjson(lines) : FakeReply.Json(Merge(lines));
    });

    /// <summary>A non-streamed answer is the stream folded into one object (content joined, tool calls kept, stats of the last line).</summary>
    private static string Merge(string[] lines)
    {
        var parsed = lines.Select(l => JsonDocument.Parse(l).RootElement).ToList();
        var last = System.Text.Json.Nodes.JsonNode.Parse(lines[^1])!.AsObject();
        var message = last["message"]!.AsObject();
        message["content"] = string.Concat(parsed.Select(p => p.GetProperty("message").GetProperty("content").GetString()));
        if (parsed.Select(p => p.GetProperty("message")).FirstOrDefault(m => m.TryGetProperty("tool_calls", out _)) is { ValueKind: JsonValueKind.Object } withCalls)
        {
            message["tool_calls"] = System.Text.Json.Nodes.JsonNode.Parse(withCalls.GetProperty("tool_calls").GetRawText());
        }

        return last.ToJsonString();
    }

    private static IChatClient Agent(GatewayFactory gateway) =>
        new ChatPipeline(new PoolChatClient(gateway.Service<UpstreamPool>(), Model)).UseToolInvocation().Build();

    [Fact]
    public async Task ToolConversation_ThroughThePool_CallsTheToolAndAnswers()
    {
        await using var fake = await FakeOllama.StartAsync(Model);
        ScriptToolConversation(fake, stream: false);
        await using var gateway = GatewayFactory.For(fake);

        var response = await Agent(gateway).GetResponseAsync(Question, new ChatOptions { Tools = [BuiltInTools.Calculator()], Temperature = 0 });

        Assert.Equal("The answer is 42.", response.Text);
        Assert.Equal(50, response.Usage!.InputTokenCount);
        var requests = fake.RequestsTo("/api/chat");
        Assert.Equal(2, requests.Count);
        var tool = requests[0].Json.GetProperty("tools")[0];
        Assert.Equal("function", tool.GetProperty("type").GetString());
        Assert.Equal("calculator", tool.GetProperty("function").GetProperty("name").GetString());
        Assert.Equal("expression", tool.GetProperty("function").GetProperty("parameters").GetProperty("required")[0].GetString());
        Assert.False(requests[0].Json.GetProperty("stream").GetBoolean());
        Assert.Equal(0, requests[0].Json.GetProperty("options").GetProperty("temperature").GetDouble());
        var messages = requests[1].Json.GetProperty("messages").EnumerateArray().ToList();
        Assert.Equal(["system", "user", "assistant", "tool"], messages.Select(m => m.GetProperty("role").GetString()));
        var sent = messages[2].GetProperty("tool_calls")[0];
        Assert.Equal("call_1", sent.GetProperty("id").GetString());
        Assert.Equal("6*7", sent.GetProperty("function").GetProperty("arguments").GetProperty("expression").GetString());
        Assert.Equal("calculator", messages[3].GetProperty("tool_name").GetString());
        Assert.Equal("call_1", messages[3].GetProperty("tool_call_id").GetString());
        Assert.Equal(42, JsonDocument.Parse(messages[3].GetProperty("content").GetString()!).RootElement.GetProperty("value").GetDouble());
    }

    [Fact]
    public async Task ToolConversation_Streamed_YieldsTheToolResultThenTheAnswerTokens()
    {
        await using var fake = await FakeOllama.StartAsync(Model);
        ScriptToolConversation(fake, stream: true);
        await using var gateway = GatewayFactory.For(fake);

        var updates = new List<ChatResponseUpdate>();
        await foreach (var update in Agent(gateway).GetStreamingResponseAsync(Question, new ChatOptions { Tools = [BuiltInTools.Calculator()] }))
        {
            updates.Add(update);
        }

        Assert.Contains(updates, u => u.Contents.OfType<FunctionCallContent>().Any(c => c.Name == "calculator"));
        Assert.Equal(ChatFinishReason.ToolCalls, updates.First(u => u.FinishReason is not null).FinishReason);
        var result = updates.Single(u => u.Role == ChatRole.Tool).Contents.OfType<FunctionResultContent>().Single();
        Assert.Equal("call_1", result.CallId);
        var answer = updates.SkipWhile(u => u.Role != ChatRole.Tool).Skip(1).ToList();
        Assert.Equal("The answer is 42.", string.Concat(answer.Select(u => u.Text)));
        Assert.Equal(ChatFinishReason.Stop, answer[^1].FinishReason);
        Assert.All(fake.RequestsTo("/api/chat"), r => Assert.True(r.Json.GetProperty("stream").GetBoolean()));
    }

    [Fact]
    public async Task Options_AreMappedToOllamasFields()
    {
        await using var fake = await FakeOllama.StartAsync(Model);
        await using var gateway = GatewayFactory.For(fake);
        var client = new PoolChatClient(gateway.Service<UpstreamPool>(), Model);
        using var schema = JsonDocument.Parse("""{"type":"object","properties":{"a":{"type":"integer"}}}""");

        var response = await client.GetResponseAsync([new ChatMessage(ChatRole.User, "hi")], new ChatOptions
        {
            Temperature = 0.2f,
            TopP = 0.9f,
            TopK = 40,
            MaxOutputTokens = 128,
            Seed = 7,
            StopSequences = ["END"],
            ResponseFormat = ChatResponseFormat.ForJsonSchema(schema.RootElement.Clone()),
            Instructions = "Be brief.",
        });

        Assert.Equal("Hello from the fake model", response.Text);
        Assert.Equal(ChatFinishReason.Stop, response.FinishReason);
        var sent = fake.RequestsTo("/api/chat").Single().Json;
        var options = sent.GetProperty("options");
        Assert.Equal("0.2", options.GetProperty("temperature").GetRawText());
        Assert.Equal(["system", "user"], sent.GetProperty("messages").EnumerateArray().Select(m => m.GetProperty("role").GetString()));
        Assert.Equal("Be brief.", sent.GetProperty("messages")[0].GetProperty("content").GetString());
        Assert.Equal(40, options.GetProperty("top_k").GetInt32());
        Assert.Equal(128, options.GetProperty("num_predict").GetInt32());
        Assert.Equal(7, options.GetProperty("seed").GetInt64());
        Assert.Equal("END", options.GetProperty("stop")[0].GetString());
        Assert.Equal("integer", sent.GetProperty("format").GetProperty("properties").GetProperty("a").GetProperty("type").GetString());
        Assert.False(sent.TryGetProperty("tools", out _));
    }

    [Fact]
    public async Task UnknownModel_IsTheGatewaysOwnError()
    {
        await using var fake = await FakeOllama.StartAsync(Model);
        await using var gateway = GatewayFactory.For(fake);
        var client = new PoolChatClient(gateway.Service<UpstreamPool>(), "nosuchmodel:latest");

        var error = await Assert.ThrowsAsync<GatewayException>(() => client.GetResponseAsync([new ChatMessage(ChatRole.User, "hi")]));

        Assert.Equal(404, error.StatusCode);
        Assert.Empty(fake.RequestsTo("/api/chat"));
    }

    [Fact]
    public async Task ToolCallArgumentsSentAsAJsonString_AreRead()
    {
        await using var fake = await FakeOllama.StartAsync(Model);
        fake.Script("/api/chat", _ => FakeReply.Json(FakeOllama.ChatLine(Model, "", done: true,
            toolCallsJson: """[{"function":{"name":"calculator","arguments":"{\"expression\":\"1+1\"}"}}]""")));
        await using var gateway = GatewayFactory.For(fake);
        var client = new PoolChatClient(gateway.Service<UpstreamPool>(), Model);

        var response = await client.GetResponseAsync([new ChatMessage(ChatRole.User, "add")]);

        var call = response.Messages.Single().Contents.OfType<FunctionCallContent>().Single();
        Assert.Equal("1+1", ((JsonElement)call.Arguments!["expression"]!).GetString());
        Assert.Null(call.Exception);
        Assert.Equal(ChatFinishReason.ToolCalls, response.FinishReason);
    }
}
