using Microsoft.Extensions.Logging.Abstractions;
using SutazAi.Gateway.Storage;
using SutazAi.Gateway.Storage.Tasks;
using SutazAi.Gateway.Tests.Infrastructure;

namespace SutazAi.Gateway.Tests.Storage;

[Collection(PostgresTests.Name)]
public sealed class PostgresTaskStoreTests(PostgresServer server) : TaskStoreContract, IAsyncLifetime
{
    private readonly List<Database> _databases = [];

    private protected override async Task<(ITaskStore Store, Database Database)> CreateAsync()
    {
        var database = new PostgresDatabase(await server.CreateDatabaseAsync());
        _databases.Add(database);
        await new MigrationRunner(database, Time, NullLogger<MigrationRunner>.Instance).ApplyAsync(default);
        return (new PostgresTaskStore(database, Time), database);
    }

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        foreach (var database in _databases)
        {
            await database.DisposeAsync();
        }
    }
}
