using Microsoft.Extensions.Logging.Abstractions;
using SutazAi.Gateway.Storage;
using SutazAi.Gateway.Tests.Infrastructure;
using SutazAi.Gateway.Vectors;

namespace SutazAi.Gateway.Tests.Vectors;

public sealed class SqliteVectorStoreTests : VectorStoreContract
{
    private readonly string _directory = Directory.CreateTempSubdirectory("sutazai-vec-").FullName;
    private readonly List<Database> _databases = [];

    private protected override async Task<(IVectorStore Store, IVectorStore Replica)> CreateAsync()
    {
        var database = new SqliteDatabase(Path.Combine(_directory, "v.db"));
        _databases.Add(database);
        await new MigrationRunner(database, TimeProvider.System, NullLogger<MigrationRunner>.Instance).ApplyAsync(default);
        return (new EmbeddedVectorStore(database, TimeProvider.System), new EmbeddedVectorStore(database, TimeProvider.System));
    }

    public override async Task DisposeAsync()
    {
        await base.DisposeAsync();
        ((IDisposable)Store).Dispose();
        ((IDisposable)Replica).Dispose();
        foreach (var database in _databases)
        {
            await database.DisposeAsync();
        }
        Directory.Delete(_directory, recursive: true);
    }
}

[Collection(PostgresTests.Name)]
public sealed class PostgresVectorStoreTests(PostgresServer server) : VectorStoreContract
{
    private readonly List<Database> _databases = [];

    private protected override async Task<(IVectorStore Store, IVectorStore Replica)> CreateAsync()
    {
        var database = new PostgresDatabase(await server.CreateDatabaseAsync());
        _databases.Add(database);
        await new MigrationRunner(database, TimeProvider.System, NullLogger<MigrationRunner>.Instance).ApplyAsync(default);
        return (new EmbeddedVectorStore(database, TimeProvider.System), new EmbeddedVectorStore(database, TimeProvider.System));
    }

    public override async Task DisposeAsync()
    {
        await base.DisposeAsync();
        ((IDisposable)Store).Dispose();
        ((IDisposable)Replica).Dispose();
        foreach (var database in _databases)
        {
            await database.DisposeAsync();
        }
    }
}
