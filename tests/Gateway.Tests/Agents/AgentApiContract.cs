using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using SutazAi.Gateway.Tests.Infrastructure;
using SutazAi.TestKit;

namespace SutazAi.Gateway.Tests.Agents;

/// <summary>The agent API on both stores: definitions stored and validated, and an agent with tools answering through invoke.</summary>
public abstract class AgentApiContract
{
    private const string Model = "llama3:latest";

    private const string Calculator = """
        {"name":"math-helper","description":"Does arithmetic with a calculator","agent_type":"assistant",
         "config":{"model_name":"llama3","temperature":0,"max_tokens":256,"system_prompt":"Use the calculator for arithmetic.",
                   "capabilities":["math"],"autonomy_level":"medium","tools":["calculator"],"max_iterations":4,"timeout_seconds":30},
         "metadata":{"team":"finance"}}
        """;

    private protected abstract Task<Dictionary<string, string?>> StoreSettingsAsync();

    private async Task<GatewayFactory> GatewayAsync(FakeOllama fake) => new([fake.BaseUri], await StoreSettingsAsync());

    private static StringContent Json(string json) => new(json, Encoding.UTF8, "application/json");

    private static async Task<JsonElement> DataAsync(HttpResponseMessage response) =>
        JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("data");

    private static async Task<JsonElement> ErrorAsync(HttpResponseMessage response) =>
        JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("error");

    [Fact]
    public async Task Create_StoresTheDefinition_ReadableByIdAndName_AndListed()
    {
        await using var fake = await FakeOllama.StartAsync(Model);
        await using var gateway = await GatewayAsync(fake);
        var client = gateway.Client();

        var created = await client.PostAsync("/api/v1/agents", Json(Calculator));

        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var agent = await DataAsync(created);
        var id = agent.GetProperty("agent_id").GetString()!;
        Assert.Equal($"/api/v1/agents/{id}", created.Headers.Location?.ToString());
        Assert.Equal("active", agent.GetProperty("status").GetString());
        Assert.Equal(["math"], agent.GetProperty("capabilities").EnumerateArray().Select(c => c.GetString()));
        Assert.Equal("agent:math-helper", agent.GetProperty("model").GetString());
        Assert.Equal($"/api/v1/agents/{id}/invoke", agent.GetProperty("endpoints").GetProperty("invoke").GetString());
        Assert.Equal("llama3", agent.GetProperty("config").GetProperty("model_name").GetString());
        var byName = await DataAsync(await client.GetAsync("/api/v1/agents/math-helper"));
        Assert.Equal(id, byName.GetProperty("agent_id").GetString());
        Assert.Equal("finance", byName.GetProperty("metadata").GetProperty("team").GetString());
        var list = await DataAsync(await client.GetAsync("/api/v1/agents?per_page=10"));
        Assert.Equal(1, list.GetProperty("total").GetInt64());
        Assert.Equal(id, list.GetProperty("items")[0].GetProperty("agent_id").GetString());
    }

    [Fact]
    public async Task Create_SameNameTwice_409AndOneAgent()
    {
        await using var fake = await FakeOllama.StartAsync(Model);
        await using var gateway = await GatewayAsync(fake);
        var client = gateway.Client();

        await client.PostAsync("/api/v1/agents", Json(Calculator));
        var again = await client.PostAsync("/api/v1/agents", Json(Calculator));

        Assert.Equal(HttpStatusCode.Conflict, again.StatusCode);
        Assert.Equal("CONFLICT", (await ErrorAsync(again)).GetProperty("code").GetString());
        Assert.Equal(1, (await DataAsync(await client.GetAsync("/api/v1/agents"))).GetProperty("total").GetInt64());
    }

    [Theory]
    [InlineData("""{"config":{"model_name":"llama3"}}""", "name")]
    [InlineData("""{"name":"Bad Name","config":{"model_name":"llama3"}}""", "name")]
    [InlineData("""{"name":"a"}""", "config")]
    [InlineData("""{"name":"a","config":{"model_name":"../etc"}}""", "config.model_name")]
    [InlineData("""{"name":"a","config":{"model_name":"llama3","temperature":3}}""", "config.temperature")]
    [InlineData("""{"name":"a","config":{"model_name":"llama3","tools":["rm_rf"]}}""", "config.tools")]
    [InlineData("""{"name":"a","config":{"model_name":"llama3","max_iterations":0}}""", "config.max_iterations")]
    [InlineData("""{"name":"a","config":{"model_name":"llama3","timeout_seconds":99999}}""", "config.timeout_seconds")]
    public async Task Create_InvalidDefinition_400NamingTheField(string body, string field)
    {
        await using var fake = await FakeOllama.StartAsync(Model);
        await using var gateway = await GatewayAsync(fake);

        var response = await gateway.Client().PostAsync("/api/v1/agents", Json(body));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal(field, (await ErrorAsync(response)).GetProperty("details").GetProperty("field").GetString());
    }

    [Fact]
    public async Task PutPatchDelete_ReplaceMergeAndRemove()
    {
        await using var fake = await FakeOllama.StartAsync(Model);
        await using var gateway = await GatewayAsync(fake);
        var client = gateway.Client();
        var id = (await DataAsync(await client.PostAsync("/api/v1/agents", Json(Calculator)))).GetProperty("agent_id").GetString()!;
        await client.PostAsync("/api/v1/agents", Json(Calculator.Replace("math-helper", "other", StringComparison.Ordinal)));

        var patched = await client.PatchAsync($"/api/v1/agents/{id}",
            Json("""{"description":"Arithmetic, carefully","config":{"temperature":0.5,"tools":["calculator","datetime"]},"metadata":{"team":null}}"""));
        var renamed = await client.PutAsync($"/api/v1/agents/{id}", Json(Calculator.Replace("math-helper", "other", StringComparison.Ordinal)));
        var replaced = await client.PutAsync($"/api/v1/agents/{id}", Json("""{"name":"math-helper-2","config":{"model_name":"llama3"}}"""));

        Assert.Equal(HttpStatusCode.OK, patched.StatusCode);
        var agent = await DataAsync(patched);
        Assert.Equal("Arithmetic, carefully", agent.GetProperty("description").GetString());
        Assert.Equal(0.5, agent.GetProperty("config").GetProperty("temperature").GetDouble());
        Assert.Equal("Use the calculator for arithmetic.", agent.GetProperty("config").GetProperty("system_prompt").GetString());
        Assert.Equal(["calculator", "datetime"], agent.GetProperty("config").GetProperty("tools").EnumerateArray().Select(t => t.GetString()));
        Assert.False(agent.GetProperty("metadata").TryGetProperty("team", out _));
        Assert.Equal(HttpStatusCode.Conflict, renamed.StatusCode);
        Assert.Equal("math-helper-2", (await DataAsync(replaced)).GetProperty("name").GetString());
        Assert.Equal(HttpStatusCode.NoContent, (await client.DeleteAsync($"/api/v1/agents/{id}")).StatusCode);
        var gone = await client.GetAsync($"/api/v1/agents/{id}");
        Assert.Equal(HttpStatusCode.NotFound, gone.StatusCode);
        Assert.Equal("AGENT_NOT_FOUND", (await ErrorAsync(gone)).GetProperty("code").GetString());
        Assert.Equal(HttpStatusCode.NotFound, (await client.DeleteAsync($"/api/v1/agents/{id}")).StatusCode);
    }

    [Fact]
    public async Task Health_SaysWhetherTheModelIsServed()
    {
        await using var fake = await FakeOllama.StartAsync(Model);
        await using var gateway = await GatewayAsync(fake);
        var client = gateway.Client();
        await client.PostAsync("/api/v1/agents", Json(Calculator));
        await client.PostAsync("/api/v1/agents", Json("""{"name":"orphan","config":{"model_name":"missing-model"}}"""));

        var healthy = await DataAsync(await client.GetAsync("/api/v1/agents/math-helper/health"));
        var degraded = await DataAsync(await client.GetAsync("/api/v1/agents/orphan/health"));

        Assert.Equal("healthy", healthy.GetProperty("status").GetString());
        Assert.True(healthy.GetProperty("tools").GetProperty("calculator").GetBoolean());
        Assert.Equal("degraded", degraded.GetProperty("status").GetString());
        Assert.False(degraded.GetProperty("model_available").GetBoolean());
    }

    [Fact]
    public async Task Invoke_RunsTheAgentWithItsPromptAndTools_AndReportsTheToolCalls()
    {
        await using var fake = await FakeOllama.StartAsync(Model);
        fake.Script("/api/chat", request =>
        {
            var answered = request.Json.GetProperty("messages").EnumerateArray().Any(m => m.GetProperty("role").GetString() == "tool");
            return FakeReply.Json(answered
                ? FakeOllama.ChatLine(Model, "6 times 7 is 42.", done: true, promptEval: 30, eval: 8)
                : FakeOllama.ChatLine(Model, "", done: true, toolCallsJson: """[{"function":{"name":"calculator","arguments":{"expression":"6*7"}}}]""",
                    promptEval: 20, eval: 5));
        });
        await using var gateway = await GatewayAsync(fake);
        var client = gateway.Client();
        await client.PostAsync("/api/v1/agents", Json(Calculator));

        var response = await client.PostAsync("/api/v1/agents/math-helper/invoke", Json("""{"message":"What is 6 times 7?"}"""));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var reply = await DataAsync(response);
        Assert.Equal("6 times 7 is 42.", reply.GetProperty("response").GetString());
        Assert.Equal(2, reply.GetProperty("iterations").GetInt32());
        Assert.Equal(63, reply.GetProperty("tokens_used").GetInt64());
        var call = reply.GetProperty("tool_calls")[0];
        Assert.Equal("calculator", call.GetProperty("name").GetString());
        Assert.Equal("6*7", call.GetProperty("arguments").GetProperty("expression").GetString());
        Assert.Equal(42, JsonDocument.Parse(call.GetProperty("result").GetString()!).RootElement.GetProperty("value").GetDouble());
        Assert.False(call.GetProperty("error").GetBoolean());
        var first = fake.RequestsTo("/api/chat")[0].Json;
        Assert.Equal("llama3", first.GetProperty("model").GetString());
        Assert.Equal("system", first.GetProperty("messages")[0].GetProperty("role").GetString());
        Assert.Equal("Use the calculator for arithmetic.", first.GetProperty("messages")[0].GetProperty("content").GetString());
        Assert.Equal(["calculator"], first.GetProperty("tools").EnumerateArray().Select(t => t.GetProperty("function").GetProperty("name").GetString()));
        Assert.Equal(256, first.GetProperty("options").GetProperty("num_predict").GetInt32());
    }

    [Fact]
    public async Task Invoke_UnknownAgentOrEmptyMessage_AreClientErrors()
    {
        await using var fake = await FakeOllama.StartAsync(Model);
        await using var gateway = await GatewayAsync(fake);
        var client = gateway.Client();
        await client.PostAsync("/api/v1/agents", Json(Calculator));

        Assert.Equal(HttpStatusCode.NotFound, (await client.PostAsync("/api/v1/agents/nobody/invoke", Json("""{"message":"hi"}"""))).StatusCode);
        var empty = await client.PostAsync("/api/v1/agents/math-helper/invoke", Json("""{}"""));
        Assert.Equal(HttpStatusCode.BadRequest, empty.StatusCode);
        Assert.Equal("message", (await ErrorAsync(empty)).GetProperty("details").GetProperty("field").GetString());
        Assert.Empty(fake.RequestsTo("/api/chat"));
    }
}

public sealed class SqliteAgentApiTests : AgentApiContract
{
    private protected override Task<Dictionary<string, string?>> StoreSettingsAsync() => Task.FromResult(new Dictionary<string, string?>());
}

[Collection(PostgresTests.Name)]
public sealed class PostgresAgentApiTests(PostgresServer server) : AgentApiContract
{
    private protected override async Task<Dictionary<string, string?>> StoreSettingsAsync() =>
        new() { ["ConnectionStrings:Postgres"] = await server.CreateDatabaseAsync() };
}
