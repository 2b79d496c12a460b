using SutazAi.Gateway.Storage.Tasks;

namespace SutazAi.Gateway.Tasks;

/// <summary>The number of queued tasks, counted at most once per second (enqueue answers estimate from it).</summary>
internal sealed class QueueDepth(ITaskStore store, TimeProvider time)
{
    private static readonly TimeSpan MaxAge = TimeSpan.FromSeconds(1);
    private readonly Lock _lock = new();
    private long _queued;
    private long _countedAt = long.MinValue;
    private Task<long>? _counting;

    public Task<long> GetAsync(CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            if (_countedAt != long.MinValue && time.GetElapsedTime(_countedAt) < MaxAge)
            {
                return Task.FromResult(_queued);
            }

            if (_counting is { IsCompleted: false } running)
            {
                return running.WaitAsync(cancellationToken);
            }

            _counting = CountAsync();
            return _counting.WaitAsync(cancellationToken);
        }
    }

    private async Task<long> CountAsync()
    {
        var total = (await store.ListAsync(Storage.Tasks.TaskStatus.Queued, null, 1, 1, CancellationToken.None).ConfigureAwait(false)).Total;
        lock (_lock)
        {
            _queued = total;
            _countedAt = time.GetTimestamp();
        }

        return total;
    }
}
