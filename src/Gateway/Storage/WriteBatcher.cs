using System.Threading.Channels;

namespace SutazAi.Gateway.Storage;

/// <summary>
/// Group commit for one kind of write: callers hand in one item each and await its own outcome; a single loop takes
/// everything that is waiting (up to <see cref="MaxBatch"/>) and writes it as one statement. Alone, an item is written
/// at once (no timer, no added latency); under load the items that arrive while a batch is in flight form the next
/// batch, so the database sees one statement for many callers. A batch the database rejects for its content is
/// retried item by item, so one bad item fails only its own caller; a batch that failed because the database is
/// away fails every caller at once (retrying each would only multiply the wait).
/// </summary>
internal sealed class WriteBatcher<TItem, TResult>
{
    public const int MaxBatch = 128;

    private readonly Channel<Pending> _pending = Channel.CreateUnbounded<Pending>(new UnboundedChannelOptions { SingleReader = true });
    private readonly Func<IReadOnlyList<TItem>, Task<IReadOnlyList<TResult>>> _write;
    private readonly Func<Exception, bool> _isItemError;

    /// <param name="write">Writes the items atomically and returns one result per item, in order.</param>
    /// <param name="isItemError">Whether a failed batch is worth retrying item by item (its data was rejected, not an outage).</param>
    public WriteBatcher(Func<IReadOnlyList<TItem>, Task<IReadOnlyList<TResult>>> write, Func<Exception, bool> isItemError)
    {
        _write = write;
        _isItemError = isItemError;
        _ = Task.Run(WriteLoopAsync);
    }

    /// <summary>
    /// Queues the item and waits for its write. Once queued, the item is written even if the caller stops waiting:
    /// a cancelled caller cannot know either way, just as with a statement already sent.
    /// </summary>
    public Task<TResult> WriteAsync(TItem item, CancellationToken cancellationToken)
    {
        var pending = new Pending(item);
        // Unbounded and never completed: the write always succeeds.
        _ = _pending.Writer.TryWrite(pending);
        if (cancellationToken.CanBeCanceled)
        {
            // A caller that stopped waiting does not observe a later failure; observe it here.
            _ = pending.Done.Task.ContinueWith(static t => _ = t.Exception, CancellationToken.None,
                TaskContinuationOptions.OnlyOnFaulted | TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        }

        return pending.Done.Task.WaitAsync(cancellationToken);
    }

    private async Task WriteLoopAsync()
    {
        var batch = new List<Pending>(MaxBatch);
        var items = new List<TItem>(MaxBatch);
        while (await _pending.Reader.WaitToReadAsync().ConfigureAwait(false))
        {
            batch.Clear();
            items.Clear();
            while (batch.Count < MaxBatch && _pending.Reader.TryRead(out var next))
            {
                batch.Add(next);
                items.Add(next.Item);
            }

            try
            {
                var results = await _write(items).ConfigureAwait(false);
                for (var i = 0; i < batch.Count; i++)
                {
                    batch[i].Done.TrySetResult(results[i]);
                }
            }
#pragma warning disable CA1031 // Every failure goes back to the callers; the loop itself must never die.
            catch (Exception e) when (batch.Count > 1 && _isItemError(e))
            {
                foreach (var pending in batch)
                {
                    try
                    {
                        pending.Done.TrySetResult((await _write([pending.Item]).ConfigureAwait(false))[0]);
                    }
                    catch (Exception single)
                    {
                        pending.Done.TrySetException(single);
                    }
                }
            }
            catch (Exception e)
            {
                foreach (var pending in batch)
                {
                    pending.Done.TrySetException(e);
                }
            }
#pragma warning restore CA1031
        }
    }

    private sealed class Pending(TItem item)
    {
        public TItem Item { get; } = item;

        public TaskCompletionSource<TResult> Done { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }
}
