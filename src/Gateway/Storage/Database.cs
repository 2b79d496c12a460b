using System.Data.Common;

namespace SutazAi.Gateway.Storage;

internal enum StoreProvider
{
    Sqlite,
    Postgres,
}

/// <summary>Opens connections to the configured store; SQL differences live in the stores, not here.</summary>
internal abstract class Database : IAsyncDisposable
{
    public abstract StoreProvider Provider { get; }

    public abstract ValueTask<DbConnection> OpenAsync(CancellationToken cancellationToken);

    public abstract ValueTask DisposeAsync();
}
