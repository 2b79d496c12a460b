using Microsoft.Extensions.Logging.Abstractions;
using SutazAi.Gateway.Storage;
using SutazAi.Gateway.Storage.Tasks;

namespace SutazAi.Gateway.Tests.Storage;

public sealed class SqliteTaskStoreTests : TaskStoreContract, IAsyncLifetime
{
    private readonly string _directory = Directory.CreateTempSubdirectory("sutazai-sqlite-").FullName;
    private readonly List<Database> _databases = [];

    private protected override async Task<(ITaskStore Store, Database Database)> CreateAsync()
    {
        var database = new SqliteDatabase(Path.Combine(_directory, $"{Guid.NewGuid():N}.db"));
        _databases.Add(database);
        await new MigrationRunner(database, Time, NullLogger<MigrationRunner>.Instance).ApplyAsync(default);
        return (new SqliteTaskStore(database, Time), database);
    }

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        foreach (var database in _databases)
        {
            await database.DisposeAsync();
        }

        Directory.Delete(_directory, recursive: true);
    }
}
