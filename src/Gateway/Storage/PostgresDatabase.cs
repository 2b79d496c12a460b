using System.Data.Common;
using Npgsql;

namespace SutazAi.Gateway.Storage;

internal sealed class PostgresDatabase(string connectionString) : Database
{
    private readonly NpgsqlDataSource _dataSource = NpgsqlDataSource.Create(WithDefaults(connectionString));

    /// <summary>
    /// A connection outside the pool, for LISTEN: it stays open for the life of the process, and its LISTEN state
    /// must never reach a pooled connection. Keepalives make a dead peer show up as an error instead of silence.
    /// </summary>
    public NpgsqlConnection CreateListenerConnection()
    {
        var builder = new NpgsqlConnectionStringBuilder(WithDefaults(connectionString)) { Pooling = false };
        if (builder.KeepAlive == 0)
        {
            builder.KeepAlive = 30;
        }

        return new NpgsqlConnection(builder.ConnectionString);
    }

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
