namespace SutazAi.Gateway.Tasks;

/// <summary>Wakes this replica's idle workers: a task enqueued here, or on another replica (PostgreSQL NOTIFY, see <see cref="PostgresTaskWakeups"/>).</summary>
internal sealed class TaskSignal : IDisposable
{
    private readonly SemaphoreSlim _available = new(0, 1);

    /// <summary>At most one pending wake-up: a burst of enqueues must not turn into a burst of empty claims later.</summary>
    public void Notify()
    {
        if (_available.CurrentCount == 0)
        {
            try
            {
                _available.Release();
            }
            catch (SemaphoreFullException)
            {
                // Another enqueue signalled between the check and the release: one wake-up is pending, as wanted.
            }
        }
    }

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
