using System.Data.Common;
using Npgsql;

namespace SutazAi.Gateway.Storage;

internal sealed class PostgresDatabase(string connectionString) : Database
{
    private readonly NpgsqlDataSource _dataSource = NpgsqlDataSource.Create(connectionString);

    public override StoreProvider Provider => StoreProvider.Postgres;

    public override async ValueTask<DbConnection> OpenAsync(CancellationToken cancellationToken) =>
        await _dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);

    public override ValueTask DisposeAsync() => _dataSource.DisposeAsync();
}
