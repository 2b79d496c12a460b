using System.ClientModel;
using OpenAI;
using OpenAI.Chat;
using OpenAI.Embeddings;
using SutazAi.Gateway.Tests.Infrastructure;
using SutazAi.TestKit;

namespace SutazAi.Gateway.Tests.OpenAI;

/// <summary>The official OpenAI .NET SDK (2.15.0) pointed at the gateway.</summary>
public sealed class OpenAiSdkTests
{
    private const string Model = "llama3:latest";

    private static OpenAIClient Client(GatewayFactory gateway) =>
        new(new ApiKeyCredential(TestAuth.AdminKey), new OpenAIClientOptions { Endpoint = new Uri(gateway.BaseAddress, "/v1") });

    [Fact]
    public async Task Sdk_CompleteChat_ReturnsTextAndUsage()
    {
        await using var fake = await FakeOllama.StartAsync(Model);
        await using var gateway = GatewayFactory.For(fake);
        var chat = Client(gateway).GetChatClient(Model);

        ChatCompletion completion = await chat.CompleteChatAsync([new UserChatMessage("hi")]);

        Assert.Equal("Hello from the fake model", completion.Content[0].Text);
        Assert.Equal(ChatFinishReason.Stop, completion.FinishReason);
        Assert.Equal(12, completion.Usage.TotalTokenCount);
    }

    [Fact]
    public async Task Sdk_StreamingChat_ConcatenatesToTheReply()
    {
        await using var fake = await FakeOllama.StartAsync(Model);
        await using var gateway = GatewayFactory.For(fake);
        var chat = Client(gateway).GetChatClient(Model);

        var text = new System.Text.StringBuilder();
        ChatFinishReason? finish = null;
        await foreach (var update in chat.CompleteChatStreamingAsync([new UserChatMessage("hi")]))
        {
            foreach (var part in update.ContentUpdate)
            {
                text.Append(part.Text);
            }

            finish ??= update.FinishReason;
        }

        Assert.Equal("Hello from the fake model", text.ToString());
        Assert.Equal(ChatFinishReason.Stop, finish);
    }

    [Fact]
    public async Task Sdk_ToolRoundTrip_SendsToolResultBackAsOllamaToolMessage()
    {
        await using var fake = await FakeOllama.StartAsync(Model);
        var turn = 0;
        fake.Script("/api/chat", _ => Interlocked.Increment(ref turn) == 1
            ? FakeReply.Json(FakeOllama.ChatLine(Model, "", done: true, toolCallsJson: """[{"function":{"index":0,"name":"get_weather","arguments":{"city":"Paris"}}}]"""))
            : FakeReply.Json(FakeOllama.ChatLine(Model, "It is 20C in Paris", done: true)));
        await using var gateway = GatewayFactory.For(fake);
        var chat = Client(gateway).GetChatClient(Model);
        var tool = ChatTool.CreateFunctionTool("get_weather", "Weather", BinaryData.FromString("""{"type":"object","properties":{"city":{"type":"string"}},"required":["city"]}"""));
        var options = new ChatCompletionOptions { Tools = { tool } };
        List<ChatMessage> messages = [new UserChatMessage("Weather in Paris?")];

        ChatCompletion first = await chat.CompleteChatAsync(messages, options);
        Assert.Equal(ChatFinishReason.ToolCalls, first.FinishReason);
        var call = Assert.Single(first.ToolCalls);
        Assert.Equal("get_weather", call.FunctionName);
        Assert.Equal("Paris", System.Text.Json.JsonDocument.Parse(call.FunctionArguments.ToString()).RootElement.GetProperty("city").GetString());

        messages.Add(new AssistantChatMessage(first));
        messages.Add(new ToolChatMessage(call.Id, "20C"));
        ChatCompletion second = await chat.CompleteChatAsync(messages, options);

        Assert.Equal("It is 20C in Paris", second.Content[0].Text);
        var sent = fake.RequestsTo("/api/chat")[1].Json.GetProperty("messages");
        Assert.Equal("tool", sent[2].GetProperty("role").GetString());
        Assert.Equal("get_weather", sent[2].GetProperty("tool_name").GetString());
        Assert.Equal("20C", sent[2].GetProperty("content").GetString());
    }

    [Fact]
    public async Task Sdk_Embeddings_DefaultBase64DecodesToUpstreamFloats()
    {
        await using var fake = await FakeOllama.StartAsync("nomic-embed-text:latest");
        await using var gateway = GatewayFactory.For(fake);
        var embeddings = Client(gateway).GetEmbeddingClient("nomic-embed-text:latest");

        OpenAIEmbeddingCollection result = await embeddings.GenerateEmbeddingsAsync(["a", "b"]);

        Assert.Equal(2, result.Count);
        Assert.Equal([0.5f, -0.25f, 0.125f], result[0].ToFloats().ToArray());
        Assert.Equal([1.5f, -0.25f, 0.125f], result[1].ToFloats().ToArray());
        Assert.Equal(6, result.Usage.InputTokenCount);
        var sent = fake.RequestsTo("/api/embed")[0].Json;
        Assert.Equal(2, sent.GetProperty("input").GetArrayLength());
    }
}
