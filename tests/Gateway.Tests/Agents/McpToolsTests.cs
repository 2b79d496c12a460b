using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using ModelContextProtocol;
using ModelContextProtocol.Protocol;
using ModelContextProtocol.Server;
using SutazAi.Gateway.Tests.Infrastructure;
using SutazAi.McpTestServer;
using SutazAi.TestKit;

namespace SutazAi.Gateway.Tests.Agents;

/// <summary>
/// MCP servers as tool sources: a real stdio server (tests/McpTestServer, started by the gateway as a child process)
/// and a Streamable HTTP one (the same tools behind a stateless endpoint in this process). Their tools are offered to
/// the agents that list them, called through the tool loop, and their results go back to the model.
/// </summary>
public sealed class McpToolsTests
{
    private const string Model = "llama3:latest";

    private static StringContent Json(string json) => new(json, Encoding.UTF8, "application/json");

    private static Dictionary<string, string?> Stdio(string name) => new()
    {
        [$"Mcp:Servers:{name}:Command"] = "dotnet",
        [$"Mcp:Servers:{name}:Arguments:0"] = Path.Combine(AppContext.BaseDirectory, "SutazAi.McpTestServer.dll"),
    };

    private static async Task<JsonElement> DataAsync(HttpResponseMessage response)
    {
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, $"{(int)response.StatusCode}: {body}");
        return JsonDocument.Parse(body).RootElement.GetProperty("data");
    }

    private static string? ToolResult(RecordedRequest request) =>
        request.Json.GetProperty("messages").EnumerateArray().LastOrDefault(m => m.GetProperty("role").GetString() == "tool") is { ValueKind: JsonValueKind.Object } tool
            ? tool.GetProperty("content").GetString()
            : null;

    private static void Script(FakeOllama fake, string call) => fake.Script("/api/chat", request => ToolResult(request) is { } result
        ? FakeReply.Ndjson([FakeOllama.ChatLine(Model, "Result: " + result, done: true)])
        : FakeReply.Ndjson([FakeOllama.ChatLine(Model, "", done: true, toolCallsJson: $$"""[{"function":{{call}}}]""")]));

    [Fact]
    public async Task StdioServer_ToolsAreListed_OfferedToTheAgent_AndCalled()
    {
        await using var fake = await FakeOllama.StartAsync(Model);
        await using var gateway = new GatewayFactory([fake.BaseUri], Stdio("local"));
        var client = gateway.Client(TimeSpan.FromSeconds(60));
        Script(fake, """{"name":"local_add","arguments":{"a":2,"b":40}}""");

        var tools = (await DataAsync(await client.GetAsync("/api/v1/tools"))).GetProperty("tools").EnumerateArray().ToList();
        await DataAsync(await client.PostAsync("/api/v1/agents", Json("""{"name":"mcp-user","config":{"model_name":"llama3","tools":["mcp:local"]}}""")));
        var reply = await DataAsync(await client.PostAsync("/api/v1/agents/mcp-user/invoke", Json("""{"message":"What is 2 + 40?"}""")));

        var add = tools.Single(t => t.GetProperty("name").GetString() == "mcp:local/add");
        Assert.Equal("local_add", add.GetProperty("function").GetString());
        Assert.Equal("Adds two integers.", add.GetProperty("description").GetString());
        Assert.Equal(["a", "b"], add.GetProperty("parameters").GetProperty("required").EnumerateArray().Select(r => r.GetString()).Order(StringComparer.Ordinal));
        var offered = fake.RequestsTo("/api/chat")[0].Json.GetProperty("tools").EnumerateArray().Select(t => t.GetProperty("function").GetProperty("name").GetString());
        Assert.Equal(["local_add", "local_echo", "local_fail", "local_process"], offered.Order(StringComparer.Ordinal));
        var call = reply.GetProperty("tool_calls")[0];
        Assert.Equal("local_add", call.GetProperty("name").GetString());
        Assert.False(call.GetProperty("error").GetBoolean());
        Assert.Contains("42", call.GetProperty("result").GetString(), StringComparison.Ordinal);
        Assert.Contains("42", ToolResult(fake.RequestsTo("/api/chat")[1]), StringComparison.Ordinal);
    }

    [Fact]
    public async Task StdioServer_ThatDies_IsStartedAgain_ForTheNextRun()
    {
        await using var fake = await FakeOllama.StartAsync(Model);
        await using var gateway = new GatewayFactory([fake.BaseUri], Stdio("local"));
        var client = gateway.Client(TimeSpan.FromSeconds(60));
        Script(fake, """{"name":"local_process","arguments":{}}""");
        await DataAsync(await client.PostAsync("/api/v1/agents", Json("""{"name":"pid","config":{"model_name":"llama3","tools":["mcp:local/process"]}}""")));

        static int Pid(JsonElement reply) => int.Parse(reply.GetProperty("tool_calls")[0].GetProperty("result").GetString()!.Split(' ', '"')
            .First(p => p.Length > 0 && p.All(char.IsAsciiDigit)), System.Globalization.CultureInfo.InvariantCulture);

        var first = Pid(await DataAsync(await client.PostAsync("/api/v1/agents/pid/invoke", Json("""{"message":"which process?"}"""))));
        using (var server = Process.GetProcessById(first))
        {
            server.Kill();
            await server.WaitForExitAsync();
        }

        var second = Pid(await DataAsync(await client.PostAsync("/api/v1/agents/pid/invoke", Json("""{"message":"which process now?"}"""))));

        Assert.NotEqual(first, second);
        Assert.Equal(["local_process"], fake.RequestsTo("/api/chat")[0].Json.GetProperty("tools").EnumerateArray()
            .Select(t => t.GetProperty("function").GetProperty("name").GetString()));
    }

    [Fact]
    public async Task StreamableHttpServer_OneListedTool_IsCalled_WithTheConfiguredHeaders()
    {
        var headers = new ConcurrentQueue<string>();
        await using var mcp = await StartHttpServerAsync(headers);
        await using var fake = await FakeOllama.StartAsync(Model);
        await using var gateway = new GatewayFactory([fake.BaseUri], new Dictionary<string, string?>
        {
            ["Mcp:Servers:remote:Url"] = mcp.Urls.First() + "/mcp",
            ["Mcp:Servers:remote:Headers:Authorization"] = "Bearer mcp-token",
        });
        var client = gateway.Client(TimeSpan.FromSeconds(60));
        Script(fake, """{"name":"remote_echo","arguments":{"text":"hello over http"}}""");
        await DataAsync(await client.PostAsync("/api/v1/agents", Json("""{"name":"web","config":{"model_name":"llama3","tools":["mcp:remote/echo"]}}""")));

        var reply = await DataAsync(await client.PostAsync("/api/v1/agents/web/invoke", Json("""{"message":"echo something"}""")));

        Assert.Equal(["remote_echo"], fake.RequestsTo("/api/chat")[0].Json.GetProperty("tools").EnumerateArray().Select(t => t.GetProperty("function").GetProperty("name").GetString()));
        Assert.Contains("echo: hello over http", reply.GetProperty("tool_calls")[0].GetProperty("result").GetString(), StringComparison.Ordinal);
        Assert.NotEmpty(headers);
        Assert.All(headers, h => Assert.Equal("Bearer mcp-token", h));
    }

    [Fact]
    public async Task UnknownOrUnreachableServers_AreReportedNotHidden()
    {
        await using var fake = await FakeOllama.StartAsync(Model);
        await using var gateway = new GatewayFactory([fake.BaseUri], new Dictionary<string, string?>
        {
            ["Mcp:Servers:gone:Url"] = "http://127.0.0.1:9/mcp",
            ["Mcp:Servers:gone:ConnectTimeout"] = "00:00:03",
        });
        var client = gateway.Client(TimeSpan.FromSeconds(60));

        var unknown = await client.PostAsync("/api/v1/agents", Json("""{"name":"a","config":{"model_name":"llama3","tools":["mcp:nowhere"]}}"""));
        await DataAsync(await client.PostAsync("/api/v1/agents", Json("""{"name":"b","config":{"model_name":"llama3","tools":["mcp:gone"]}}""")));
        var invoked = await client.PostAsync("/api/v1/agents/b/invoke", Json("""{"message":"hi"}"""));
        var tools = (await DataAsync(await client.GetAsync("/api/v1/tools"))).GetProperty("tools").EnumerateArray();

        Assert.Equal(HttpStatusCode.BadRequest, unknown.StatusCode);
        Assert.Contains("mcp:gone", await unknown.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.BadGateway, invoked.StatusCode);
        Assert.Equal("the MCP server 'gone' is unavailable",
            JsonDocument.Parse(await invoked.Content.ReadAsStringAsync()).RootElement.GetProperty("error").GetProperty("message").GetString());
        Assert.DoesNotContain(tools, t => t.GetProperty("name").GetString()!.StartsWith("mcp:", StringComparison.Ordinal));
        Assert.Empty(fake.RequestsTo("/api/chat"));
    }

    /// <summary>The test tools behind a stateless Streamable HTTP endpoint (ModelContextProtocol.AspNetCore's MapMcp is not installable here).</summary>
    private static async Task<WebApplication> StartHttpServerAsync(ConcurrentQueue<string> headers)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        var app = builder.Build();
        var options = TestTools.Options();
        app.MapPost("/mcp", async (HttpContext context) =>
        {
            headers.Enqueue(context.Request.Headers.Authorization.ToString());
            var message = await JsonSerializer.DeserializeAsync<JsonRpcMessage>(context.Request.Body, McpJsonUtilities.DefaultOptions, context.RequestAborted);
            var transport = new StreamableHttpServerTransport(loggerFactory: null) { Stateless = true };
            await using var server = McpServer.Create(transport, options, loggerFactory: null, context.RequestServices);
            var running = server.RunAsync(context.RequestAborted);
            context.Response.Headers.ContentType = "text/event-stream";
            if (!await transport.HandlePostRequestAsync(message!, context.Response.Body, context.RequestAborted))
            {
                context.Response.StatusCode = StatusCodes.Status202Accepted;
            }

            await transport.DisposeAsync();
            await running.WaitAsync(TimeSpan.FromSeconds(5)).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        });
        await app.StartAsync();
        return app;
    }
}
