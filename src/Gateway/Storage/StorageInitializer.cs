namespace SutazAi.Gateway.Storage;

/// <summary>Applies pending migrations before anything else of the host starts (workers, then Kestrel).</summary>
internal sealed class StorageInitializer(MigrationRunner migrations) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken) => migrations.ApplyAsync(cancellationToken);

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
