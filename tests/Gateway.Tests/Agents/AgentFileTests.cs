using System.Net;
using System.Text;
using System.Text.Json;
using SutazAi.Gateway.Tests.Infrastructure;
using SutazAi.TestKit;

namespace SutazAi.Gateway.Tests.Agents;

/// <summary>Agents defined in YAML files in Agents:Directory are loaded at start, with the API's validation.</summary>
public sealed class AgentFileTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("sutazai-agents-").FullName;

    [Fact]
    public async Task YamlAgents_LoadedAtStart_BadFilesSkipped_ApiAgentsNeverOverwritten()
    {
        await File.WriteAllTextAsync(Path.Combine(_directory, "researcher.yaml"), """
            name: researcher
            description: Looks things up
            agent_type: research
            config:
              model_name: llama3:latest
              temperature: 0.3
              max_tokens: 512
              system_prompt: |
                You are careful.
              tools: [calculator, datetime]
              max_iterations: 5
            metadata:
              owner: docs-team
              priority: 2
            """);
        await File.WriteAllTextAsync(Path.Combine(_directory, "broken.yml"), """
            name: broken
            config:
              model_name: llama3
              tools: [format_disk]
            """);
        await File.WriteAllTextAsync(Path.Combine(_directory, "notes.txt"), "name: ignored");
        await using var fake = await FakeOllama.StartAsync("llama3:latest");
        var data = Directory.CreateTempSubdirectory("sutazai-agents-data-").FullName;
        var settings = new Dictionary<string, string?> { ["Agents:Directory"] = _directory, ["Storage:DataDirectory"] = data };

        await using (var gateway = new GatewayFactory([fake.BaseUri], settings))
        {
            var client = gateway.Client();
            var agent = JsonDocument.Parse(await client.GetStringAsync("/api/v1/agents/researcher")).RootElement.GetProperty("data");
            Assert.Equal("research", agent.GetProperty("agent_type").GetString());
            Assert.Equal(0.3, agent.GetProperty("config").GetProperty("temperature").GetDouble());
            Assert.Equal(512, agent.GetProperty("config").GetProperty("max_tokens").GetInt32());
            Assert.Equal("You are careful.\n", agent.GetProperty("config").GetProperty("system_prompt").GetString());
            Assert.Equal(["calculator", "datetime"], agent.GetProperty("config").GetProperty("tools").EnumerateArray().Select(t => t.GetString()));
            Assert.Equal(2, agent.GetProperty("metadata").GetProperty("priority").GetInt32());
            Assert.Equal(HttpStatusCode.NotFound, (await client.GetAsync("/api/v1/agents/broken")).StatusCode);
            Assert.Equal(1, JsonDocument.Parse(await client.GetStringAsync("/api/v1/agents")).RootElement.GetProperty("data").GetProperty("total").GetInt64());

            // An agent created through the API keeps its definition when a file of the same name appears later.
            await client.PostAsync("/api/v1/agents", new StringContent("""{"name":"writer","config":{"model_name":"llama3","temperature":0.9}}""", Encoding.UTF8, "application/json"));
        }

        // A restart on the same store: the changed file updates its own agent; the API's agent stays as the API left it.
        await File.WriteAllTextAsync(Path.Combine(_directory, "writer.yaml"), "name: writer\nconfig:\n  model_name: llama3\n  temperature: 0.1\n");
        await File.WriteAllTextAsync(Path.Combine(_directory, "researcher.yaml"), "name: researcher\nconfig:\n  model_name: llama3\n  max_iterations: 2\n");
        try
        {
            await using var restarted = new GatewayFactory([fake.BaseUri], settings);
            var client = restarted.Client();
            var researcher = JsonDocument.Parse(await client.GetStringAsync("/api/v1/agents/researcher")).RootElement.GetProperty("data");
            var writer = JsonDocument.Parse(await client.GetStringAsync("/api/v1/agents/writer")).RootElement.GetProperty("data");
            Assert.Equal(2, researcher.GetProperty("config").GetProperty("max_iterations").GetInt32());
            Assert.Equal(0.9, writer.GetProperty("config").GetProperty("temperature").GetDouble());
        }
        finally
        {
            Directory.Delete(data, recursive: true);
        }
    }

    public void Dispose() => Directory.Delete(_directory, recursive: true);
}
