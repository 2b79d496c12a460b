using System.ClientModel;
using System.Net;
using System.Text;
using System.Text.Json;
using OpenAI;
using OpenAI.Chat;
using SutazAi.Gateway.Tests.Infrastructure;
using SutazAi.TestKit;

namespace SutazAi.Gateway.Tests.Agents;

/// <summary>"agent:&lt;name&gt;" is a model: listed everywhere, and chatting with it on each surface runs the agent with its tools.</summary>
public sealed class AgentModelTests
{
    private const string Model = "llama3:latest";
    private const string AgentModel = "agent:math-helper";

    private const string Definition = """
        {"name":"math-helper","config":{"model_name":"llama3:latest","system_prompt":"Use the calculator.","tools":["calculator"]}}
        """;

    private static StringContent Json(string json) => new(json, Encoding.UTF8, "application/json");

    /// <summary>The model asks for the calculator, then answers from its result; streamed or not, as it was asked.</summary>
    private static void ScriptAgentModel(FakeOllama fake) => fake.Script("/api/chat", request =>
    {
        var stream = !(request.Json.TryGetProperty("stream", out var s) && s.ValueKind == JsonValueKind.False);
        var answered = request.Json.GetProperty("messages").EnumerateArray().Any(m => m.GetProperty("role").GetString() == "tool");
        string[] lines = answered
            ? [FakeOllama.ChatLine(Model, "6 times 7"), FakeOllama.ChatLine(Model, " is 42.", done: true, promptEval: 30, eval: 8)]
            : [FakeOllama.ChatLine(Model, "", done: true, toolCallsJson: """[{"function":{"name":"calculator","arguments":{"expression":"6*7"}}}]""",
                promptEval: 20, eval: 5)];
        if (stream)
        {
            return FakeReply.Ndjson(lines);
        }

        var last = System.Text.Json.Nodes.JsonNode.Parse(lines[^1])!.AsObject();
        last["message"]!["content"] = string.Concat(lines.Select(l => JsonDocument.Parse(l).RootElement.GetProperty("message").GetProperty("content").GetString()));
        return FakeReply.Json(last.ToJsonString());
    });

    private static async Task<(FakeOllama Fake, GatewayFactory Gateway)> StartAsync()
    {
        var fake = await FakeOllama.StartAsync(Model);
        ScriptAgentModel(fake);
        var gateway = GatewayFactory.For(fake);
        Assert.Equal(HttpStatusCode.Created, (await gateway.Client().PostAsync("/api/v1/agents", Json(Definition))).StatusCode);
        return (fake, gateway);
    }

    [Fact]
    public async Task AgentModels_AreListedOnEverySurface()
    {
        var (fake, gateway) = await StartAsync();
        await using var ownedFake = fake;
        await using var ownedGateway = gateway;
        var client = gateway.Client();

        var openai = JsonDocument.Parse(await client.GetStringAsync("/v1/models")).RootElement.GetProperty("data").EnumerateArray().Select(m => m.GetProperty("id").GetString());
        var tags = JsonDocument.Parse(await client.GetStringAsync("/api/tags")).RootElement.GetProperty("models").EnumerateArray().ToList();
        var sutaz = await client.GetStringAsync("/api/v1/models");
        var card = JsonDocument.Parse(await client.GetStringAsync($"/v1/models/{AgentModel}")).RootElement;

        Assert.Contains(AgentModel, openai);
        Assert.Contains(Model, openai);
        var tag = Assert.Single(tags, t => t.GetProperty("name").GetString() == AgentModel);
        Assert.Equal("agent", tag.GetProperty("details").GetProperty("family").GetString());
        Assert.StartsWith("sha256:", tag.GetProperty("digest").GetString(), StringComparison.Ordinal);
        Assert.True(tag.TryGetProperty("modified_at", out _));
        Assert.Contains(AgentModel, sutaz, StringComparison.Ordinal);
        Assert.Equal(AgentModel, card.GetProperty("id").GetString());
    }

    [Fact]
    public async Task OpenAiChat_RunsTheAgent_ToolProgressAsReasoningWhenAsked()
    {
        var (fake, gateway) = await StartAsync();
        await using var ownedFake = fake;
        await using var ownedGateway = gateway;

        var plain = JsonDocument.Parse(await (await gateway.Client().PostAsync("/v1/chat/completions",
            Json("""{"model":"agent:math-helper","messages":[{"role":"user","content":"What is 6 times 7?"}]}"""))).Content.ReadAsStringAsync()).RootElement;
        var reasoning = JsonDocument.Parse(await (await gateway.Client().PostAsync("/v1/chat/completions",
            Json("""{"model":"agent:math-helper","reasoning_effort":"low","messages":[{"role":"user","content":"What is 6 times 7?"}]}"""))).Content.ReadAsStringAsync()).RootElement;

        var message = plain.GetProperty("choices")[0].GetProperty("message");
        Assert.Equal("6 times 7 is 42.", message.GetProperty("content").GetString());
        Assert.False(message.TryGetProperty("reasoning_content", out _));
        Assert.Equal(AgentModel, plain.GetProperty("model").GetString());
        Assert.Equal(63, plain.GetProperty("usage").GetProperty("total_tokens").GetInt32());
        var thought = reasoning.GetProperty("choices")[0].GetProperty("message").GetProperty("reasoning_content").GetString()!;
        Assert.Contains("Calling calculator", thought, StringComparison.Ordinal);
        Assert.Contains("calculator → ", thought, StringComparison.Ordinal);
        Assert.Equal(4, fake.RequestsTo("/api/chat").Count);
        Assert.All(fake.RequestsTo("/api/chat"), r => Assert.Equal("llama3:latest", r.Json.GetProperty("model").GetString()));
    }

    [Fact]
    public async Task OpenAiSdk_StreamingAgentModel_ConcatenatesToTheAnswer()
    {
        var (fake, gateway) = await StartAsync();
        await using var ownedFake = fake;
        await using var ownedGateway = gateway;
        var chat = new OpenAIClient(new ApiKeyCredential(TestAuth.AdminKey), new OpenAIClientOptions { Endpoint = new Uri(gateway.BaseAddress, "/v1") })
            .GetChatClient(AgentModel);

        var text = new StringBuilder();
        global::OpenAI.Chat.ChatFinishReason? finish = null;
        await foreach (var update in chat.CompleteChatStreamingAsync([new UserChatMessage("What is 6 times 7?")]))
        {
            text.Append(string.Concat(update.ContentUpdate.Select(p => p.Text)));
            finish ??= update.FinishReason;
        }

        Assert.Equal("6 times 7 is 42.", text.ToString());
        Assert.Equal(global::OpenAI.Chat.ChatFinishReason.Stop, finish);
        Assert.All(fake.RequestsTo("/api/chat"), r => Assert.True(r.Json.GetProperty("stream").GetBoolean()));
    }

    [Fact]
    public async Task OllamaChat_StreamsTheAgentsAnswerAsNdjson_WithToolProgressAsThinking()
    {
        var (fake, gateway) = await StartAsync();
        await using var ownedFake = fake;
        await using var ownedGateway = gateway;

        var response = await gateway.Client().PostAsync("/api/chat",
            Json("""{"model":"agent:math-helper","think":true,"messages":[{"role":"user","content":"What is 6 times 7?"}]}"""));

        Assert.Equal("application/x-ndjson", response.Content.Headers.ContentType?.MediaType);
        var lines = Sse.NdjsonLines(await response.Content.ReadAsStringAsync());
        Assert.True(lines[^1].GetProperty("done").GetBoolean());
        Assert.Equal(63, lines[^1].GetProperty("prompt_eval_count").GetInt32() + lines[^1].GetProperty("eval_count").GetInt32());
        Assert.All(lines.SkipLast(1), l => Assert.False(l.GetProperty("done").GetBoolean()));
        Assert.Equal("6 times 7 is 42.", string.Concat(lines.Select(l => l.GetProperty("message").GetProperty("content").GetString())));
        var thinking = string.Concat(lines.Select(l => l.GetProperty("message").TryGetProperty("thinking", out var t) ? t.GetString() : ""));
        Assert.Contains("Calling calculator", thinking, StringComparison.Ordinal);

        var plain = JsonDocument.Parse(await (await gateway.Client().PostAsync("/api/chat",
            Json("""{"model":"agent:math-helper","stream":false,"messages":[{"role":"user","content":"What is 6 times 7?"}]}"""))).Content.ReadAsStringAsync()).RootElement;
        Assert.Equal("6 times 7 is 42.", plain.GetProperty("message").GetProperty("content").GetString());
        Assert.True(plain.GetProperty("done").GetBoolean());
    }

    [Fact]
    public async Task SutazChat_AndItsStream_RunTheAgent()
    {
        var (fake, gateway) = await StartAsync();
        await using var ownedFake = fake;
        await using var ownedGateway = gateway;

        var reply = JsonDocument.Parse(await (await gateway.Client().PostAsync("/api/v1/chat",
            Json("""{"model":"agent:math-helper","message":"What is 6 times 7?"}"""))).Content.ReadAsStringAsync()).RootElement.GetProperty("data");
        var stream = Sse.JsonEvents(await (await gateway.Client().PostAsync("/api/v1/chat/stream",
            Json("""{"model":"agent:math-helper","message":"What is 6 times 7?"}"""))).Content.ReadAsStringAsync());

        Assert.Equal("6 times 7 is 42.", reply.GetProperty("response").GetString());
        Assert.Equal(AgentModel, reply.GetProperty("model").GetString());
        Assert.Equal("6 times 7 is 42.", string.Concat(stream.Where(e => e.TryGetProperty("token", out _)).Select(e => e.GetProperty("token").GetString())));
        Assert.True(stream[^1].GetProperty("finish").GetBoolean());
        Assert.Equal(63, stream[^1].GetProperty("tokens_used").GetInt32());
    }

    [Fact]
    public async Task UnknownAgentModel_404WithoutAnUpstreamCall()
    {
        var (fake, gateway) = await StartAsync();
        await using var ownedFake = fake;
        await using var ownedGateway = gateway;

        var openai = await gateway.Client().PostAsync("/v1/chat/completions", Json("""{"model":"agent:nobody","stream":true,"messages":[{"role":"user","content":"hi"}]}"""));
        var ollama = await gateway.Client().PostAsync("/api/chat", Json("""{"model":"agent:nobody","messages":[{"role":"user","content":"hi"}]}"""));

        Assert.Equal(HttpStatusCode.NotFound, openai.StatusCode);
        Assert.Equal("model_not_found", JsonDocument.Parse(await openai.Content.ReadAsStringAsync()).RootElement.GetProperty("error").GetProperty("code").GetString());
        Assert.Equal(HttpStatusCode.NotFound, ollama.StatusCode);
        Assert.Empty(fake.RequestsTo("/api/chat"));
    }

    [Fact]
    public async Task UpstreamFailsMidAgent_StreamEndsWithOneErrorEventAndNoDone()
    {
        var (fake, gateway) = await StartAsync();
        await using var ownedFake = fake;
        await using var ownedGateway = gateway;
        fake.Script("/api/chat", request => request.Json.GetProperty("messages").EnumerateArray().Any(m => m.GetProperty("role").GetString() == "tool")
            ? FakeReply.Error(500, "out of memory")
            : FakeReply.Ndjson([FakeOllama.ChatLine(Model, "", done: true, toolCallsJson: """[{"function":{"name":"calculator","arguments":{"expression":"1"}}}]""")]));

        var body = await (await gateway.Client().PostAsync("/v1/chat/completions",
            Json("""{"model":"agent:math-helper","stream":true,"messages":[{"role":"user","content":"hi"}]}"""))).Content.ReadAsStringAsync();

        var data = Sse.DataEvents(body);
        Assert.DoesNotContain("[DONE]", data);
        Assert.Single(data, d => d.Contains("\"error\"", StringComparison.Ordinal));
        Assert.DoesNotContain("out of memory", body, StringComparison.Ordinal);
    }
}
