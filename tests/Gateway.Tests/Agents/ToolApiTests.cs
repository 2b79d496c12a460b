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
        Assert.Equal(["calculator", "datetime", "http_fetch", "web_search"], tools.Keys);
        Assert.All(tools.Values, t => Assert.False(string.IsNullOrEmpty(t.GetProperty("description").GetString())));
        Assert.Equal("object", tools["calculator"].GetProperty("parameters").GetProperty("type").GetString());
        Assert.Equal("expression", tools["calculator"].GetProperty("parameters").GetProperty("required")[0].GetString());
        Assert.True(tools["datetime"].GetProperty("parameters").GetProperty("properties").TryGetProperty("timezone", out _));
    }
}
