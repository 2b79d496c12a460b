using Microsoft.Extensions.Options;
using SutazAi.Gateway.Tests.Infrastructure;

namespace SutazAi.Gateway.Tests.Hosting;

/// <summary>Bad configuration stops the start with a message naming the key (validated at start, not at first use).</summary>
public sealed class ConfigurationValidationTests
{
    [Theory]
    [InlineData("Ollama:Servers:0", "not a url", "Ollama:Servers:0")]
    [InlineData("Ollama:Servers:0", "ftp://host:11434", "Ollama:Servers:0")]
    [InlineData("Ollama:CircuitBreaker:FailureRatio", "7", "FailureRatio")]
    [InlineData("Limits:MaxMessages", "0", "MaxMessages")]
    [InlineData("Ollama:StreamIdleTimeout", "00:00:00", "StreamIdleTimeout")]
    public async Task Start_InvalidSetting_FailsNamingTheSetting(string key, string value, string named)
    {
        await using var gateway = new GatewayFactory([new Uri("http://127.0.0.1:9/")], new Dictionary<string, string?> { [key] = value });

        var error = Assert.Throws<OptionsValidationException>(() => gateway.BaseAddress);

        Assert.Contains(named, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Start_NoServersConfigured_DefaultsToLocalOllama()
    {
        await using var gateway = new GatewayFactory([]);

        var pool = gateway.Service<SutazAi.Gateway.Upstreams.UpstreamPool>();

        Assert.Equal(new Uri("http://localhost:11434/"), Assert.Single(pool.Servers).BaseUri);
    }
}
