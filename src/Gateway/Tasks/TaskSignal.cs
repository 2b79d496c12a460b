namespace SutazAi.Gateway.Tasks;

/// <summary>Wakes this replica's idle workers when a task is enqueued here (other replicas find it by polling).</summary>
internal sealed class TaskSignal : IDisposable
{
    private readonly SemaphoreSlim _available = new(0, int.MaxValue);

    public void Notify() => _available.Release();

    /// <summary>Waits for a notification or the poll interval, whichever comes first.</summary>
    public async Task WaitAsync(TimeSpan pollInterval, TimeProvider time, CancellationToken cancellationToken)
    {
        using var timeout = new CancellationTokenSource(pollInterval, time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(timeout.Token, cancellationToken);
        try
        {
            await _available.WaitAsync(linked.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (timeout.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            // The poll interval passed: look again.
        }
    }

    public void Dispose() => _available.Dispose();
}
