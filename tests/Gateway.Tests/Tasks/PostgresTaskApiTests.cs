using SutazAi.Gateway.Tests.Infrastructure;

namespace SutazAi.Gateway.Tests.Tasks;

[Collection(PostgresTests.Name)]
public sealed class PostgresTaskApiTests(PostgresServer server) : TaskApiContract
{
    private protected override string ProviderName => "postgresql";

    private protected override async Task<Dictionary<string, string?>> StoreSettingsAsync() =>
        new() { ["ConnectionStrings:Postgres"] = await server.CreateDatabaseAsync() };
}
