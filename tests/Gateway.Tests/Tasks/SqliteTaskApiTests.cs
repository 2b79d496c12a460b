namespace SutazAi.Gateway.Tests.Tasks;

/// <summary>The embedded default: SQLite in the gateway's (temporary) data directory.</summary>
public sealed class SqliteTaskApiTests : TaskApiContract
{
    private protected override string ProviderName => "sqlite";

    private protected override Task<Dictionary<string, string?>> StoreSettingsAsync() => Task.FromResult(new Dictionary<string, string?>());
}
