using System.Net;
using System.Text;
using System.Text.Json;
using SutazAi.Gateway.Tests.Infrastructure;
using SutazAi.TestKit;

namespace SutazAi.Gateway.Tests.Agents;

/// <summary>
/// Agents asking agents ("agent:&lt;name&gt;" in an agent's tools) and RELIABILITY.md AG-07's agent part: a cycle (A asks
/// B asks A ...) is stopped by the depth limit, a fan-out by the per-turn call cap and the step limit shared by the
/// whole tree; either ends the request with workflow_limit_exceeded and cancels the runs still going.
/// </summary>
public sealed class DelegationTests
{
    private const string Model = "llama3:latest";

    private static StringContent Json(string json) => new(json, Encoding.UTF8, "application/json");

    private static List<JsonElement> Messages(RecordedRequest r) => [.. r.Json.GetProperty("messages").EnumerateArray()];

    private static string System(RecordedRequest r) => Messages(r).FirstOrDefault(m => m.GetProperty("role").GetString() == "system") is { ValueKind: JsonValueKind.Object } s
        ? s.GetProperty("content").GetString()!
        : "";

    private static bool HasToolResult(RecordedRequest r) => Messages(r).Any(m => m.GetProperty("role").GetString() == "tool");

    private static FakeReply Call(string tool, int times = 1) => FakeReply.Ndjson([FakeOllama.ChatLine(Model, "", done: true,
        toolCallsJson: "[" + string.Join(",", Enumerable.Repeat("{\"function\":{\"name\":\"" + tool + "\",\"arguments\":{\"task\":\"do it\"}}}", times)) + "]")]);

    private static FakeReply Answer(string text) => FakeReply.Ndjson([FakeOllama.ChatLine(Model, text, done: true)]);

    private static async Task CreateAsync(HttpClient client, string name, string tools) =>
        Assert.Equal(HttpStatusCode.Created, (await client.PostAsync("/api/v1/agents",
            Json($$$"""{"name":"{{{name}}}","config":{"model_name":"llama3","system_prompt":"I am {{{name}}}.","tools":[{{{tools}}}]}}"""))).StatusCode);

    private static async Task<JsonElement> ErrorAsync(HttpResponseMessage response) =>
        JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("error");

    [Fact]
    public async Task AnAgent_AsksAnother_AndUsesItsAnswer()
    {
        await using var fake = await FakeOllama.StartAsync(Model);
        await using var gateway = GatewayFactory.For(fake);
        var client = gateway.Client(TimeSpan.FromSeconds(30));
        await CreateAsync(client, "boss", "\"agent:helper\"");
        await CreateAsync(client, "helper", "");
        fake.Script("/api/chat", r => System(r) == "I am helper." ? Answer("Paris is the capital.")
            : HasToolResult(r) ? Answer("My helper says: Paris is the capital.") : Call("ask_helper"));

        var response = await client.PostAsync("/api/v1/agents/boss/invoke", Json("""{"message":"What is the capital of France?"}"""));

        var data = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("data");
        Assert.Equal("My helper says: Paris is the capital.", data.GetProperty("response").GetString());
        Assert.Equal("ask_helper", data.GetProperty("tool_calls")[0].GetProperty("name").GetString());
        Assert.Equal("Paris is the capital.", data.GetProperty("tool_calls")[0].GetProperty("result").GetString());
        var helperCall = fake.RequestsTo("/api/chat").Single(r => System(r) == "I am helper.");
        Assert.Equal("do it", Messages(helperCall).Last().GetProperty("content").GetString());
        Assert.Equal(3, fake.RequestsTo("/api/chat").Count);
    }

    [Fact]
    public async Task ACycle_IsStoppedAtTheDepthLimit_WithWorkflowLimitExceeded()
    {
        await using var fake = await FakeOllama.StartAsync(Model);
        await using var gateway = GatewayFactory.For(fake);
        var client = gateway.Client(TimeSpan.FromSeconds(30));
        await CreateAsync(client, "alpha", "\"agent:beta\"");
        await CreateAsync(client, "beta", "\"agent:alpha\"");
        fake.Script("/api/chat", r => Call(System(r) == "I am alpha." ? "ask_beta" : "ask_alpha"));

        var response = await client.PostAsync("/api/v1/agents/alpha/invoke", Json("""{"message":"go"}"""));

        Assert.Equal(HttpStatusCode.BadGateway, response.StatusCode);
        var message = (await ErrorAsync(response)).GetProperty("message").GetString();
        Assert.Equal("agent 'alpha' stopped: workflow_limit_exceeded: delegation deeper than 3 levels", message);
        Assert.Equal(["I am alpha.", "I am beta.", "I am alpha.", "I am beta."], fake.RequestsTo("/api/chat").Select(System));
    }

    [Fact]
    public async Task AFanOut_RunsAtMost32CallsPerTurn_AndTheStepLimitStopsTheTree()
    {
        await using var fake = await FakeOllama.StartAsync(Model);
        await using var gateway = GatewayFactory.For(fake);
        var client = gateway.Client(TimeSpan.FromSeconds(60));
        await CreateAsync(client, "fan", "\"agent:leaf\"");
        await CreateAsync(client, "leaf", "");
        fake.Script("/api/chat", r => System(r) == "I am leaf." ? Answer("leaf done") : Call("ask_leaf", 1000));

        var response = await client.PostAsync("/api/v1/agents/fan/invoke", Json("""{"message":"fan out"}"""));

        Assert.Equal(HttpStatusCode.BadGateway, response.StatusCode);
        Assert.Equal("agent 'fan' stopped: workflow_limit_exceeded: more than 50 model calls in one run and its delegations",
            (await ErrorAsync(response)).GetProperty("message").GetString());
        var chats = fake.RequestsTo("/api/chat");
        Assert.InRange(chats.Count, 34, 50);
        var second = chats.Where(r => System(r) == "I am fan.").ElementAt(1);
        var results = Messages(second).Where(m => m.GetProperty("role").GetString() == "tool").Select(m => m.GetProperty("content").GetString()).ToList();
        Assert.Equal(1000, results.Count);
        Assert.Equal(32, results.Count(r => r == "leaf done"));
        Assert.Equal(968, results.Count(r => r == "Error: not run: at most 32 tool calls are run per turn; ask for fewer."));
    }

    [Fact]
    public async Task DelegatingToAnUnknownName_IsRefusedAtCreation_OnlyWhenTheNameIsInvalid()
    {
        await using var fake = await FakeOllama.StartAsync(Model);
        await using var gateway = GatewayFactory.For(fake);
        var client = gateway.Client();

        var invalid = await client.PostAsync("/api/v1/agents", Json("""{"name":"x","config":{"model_name":"llama3","tools":["agent:Not Valid"]}}"""));
        await CreateAsync(client, "early", "\"agent:later\"");
        fake.Script("/api/chat", r => HasToolResult(r) ? Answer("no such agent") : Call("ask_later"));
        var run = await client.PostAsync("/api/v1/agents/early/invoke", Json("""{"message":"ask later"}"""));

        Assert.Equal(HttpStatusCode.BadRequest, invalid.StatusCode);
        var data = JsonDocument.Parse(await run.Content.ReadAsStringAsync()).RootElement.GetProperty("data");
        Assert.Equal("Error: there is no agent 'later'", data.GetProperty("tool_calls")[0].GetProperty("result").GetString());
    }
}
