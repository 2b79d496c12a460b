using System.Data.Common;
using Npgsql;

namespace SutazAi.Gateway.Storage;

internal sealed class PostgresDatabase(string connectionString) : Database
{
    private readonly NpgsqlDataSource _dataSource = NpgsqlDataSource.Create(WithDefaults(connectionString));

    public override StoreProvider Provider => StoreProvider.Postgres;

    public override async ValueTask<DbConnection> OpenAsync(CancellationToken cancellationToken) =>
        await _dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);

    public override ValueTask DisposeAsync() => _dataSource.DisposeAsync();

    /// <summary>
    /// The queue runs the same few statements all the time: let Npgsql prepare them (PostgreSQL then skips parsing
    /// and planning), unless the connection string says otherwise. The gateway keeps no session state (advisory locks
    /// are transaction-scoped), so a connection going back to the pool needs no reset.
    /// </summary>
    private static string WithDefaults(string connectionString)
    {
        var builder = new NpgsqlConnectionStringBuilder(connectionString);
        if (builder.MaxAutoPrepare == 0)
        {
            builder.MaxAutoPrepare = 64;
        }

        if (!connectionString.Contains("No Reset On Close", StringComparison.OrdinalIgnoreCase)
            && !connectionString.Contains("NoResetOnClose", StringComparison.OrdinalIgnoreCase))
        {
            builder.NoResetOnClose = true;
        }

        return builder.ConnectionString;
    }
}
