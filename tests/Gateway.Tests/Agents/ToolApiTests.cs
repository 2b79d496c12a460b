using System.Text.Json;
using SutazAi.Gateway.Tests.Infrastructure;
using SutazAi.TestKit;

namespace SutazAi.Gateway.Tests.Agents;

public sealed class ToolApiTests
{
    [Fact]
    public async Task Tools_ListedWithDescriptionsAndSchemas()
    {
        await using var fake = await FakeOllama.StartAsync();
        await using var gateway = GatewayFactory.For(fake);

        var data = JsonDocument.Parse(await gateway.Client().GetStringAsync("/api/v1/tools")).RootElement.GetProperty("data");

        var tools = data.GetProperty("tools").EnumerateArray().ToDictionary(t => t.GetProperty("name").GetString()!);
        Assert.Equal(["calculator", "datetime", "document_analyzer", "http_fetch", "memory_save", "memory_search", "web_search"], tools.Keys);
        Assert.All(tools, t => Assert.Equal(t.Key, t.Value.GetProperty("function").GetString()));
        Assert.All(tools.Values, t => Assert.False(string.IsNullOrEmpty(t.GetProperty("description").GetString())));
        Assert.Equal("object", tools["calculator"].GetProperty("parameters").GetProperty("type").GetString());
        Assert.Equal("expression", tools["calculator"].GetProperty("parameters").GetProperty("required")[0].GetString());
        Assert.True(tools["datetime"].GetProperty("parameters").GetProperty("properties").TryGetProperty("timezone", out _));
        var action = tools["document_analyzer"].GetProperty("parameters").GetProperty("properties").GetProperty("action");
        Assert.Equal(["list", "statistics", "search"], action.GetProperty("enum").EnumerateArray().Select(e => e.GetString()));

        // The memory tools act for the caller the gateway binds; nothing in their arguments can name another owner.
        var search = tools["memory_search"].GetProperty("parameters").GetProperty("properties");
        Assert.Equal(["query", "limit"], search.EnumerateObject().Select(p => p.Name));
        Assert.Equal(["text"], tools["memory_save"].GetProperty("parameters").GetProperty("properties").EnumerateObject().Select(p => p.Name));
    }
}
