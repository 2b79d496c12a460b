using SutazAi.Gateway.Storage;

namespace SutazAi.Gateway.Tests.Storage;

public sealed class WriteBatcherTests
{
    private sealed class ContentException(string message) : Exception(message);

    [Fact]
    public async Task Write_Alone_IsWrittenAtOnceAsABatchOfOne()
    {
        var batches = new List<int[]>();
        var batcher = new WriteBatcher<int, string>(items =>
        {
            lock (batches)
            {
                batches.Add([.. items]);
            }

            return Task.FromResult<IReadOnlyList<string>>([.. items.Select(i => $"r{i}")]);
        }, _ => false);

        Assert.Equal("r1", await batcher.WriteAsync(1, default).WaitAsync(TimeSpan.FromSeconds(10)));
        Assert.Equal("r2", await batcher.WriteAsync(2, default).WaitAsync(TimeSpan.FromSeconds(10)));

        Assert.Equal([[1], [2]], batches);
    }

    [Fact]
    public async Task Write_ItemsArrivingWhileABatchIsInFlight_FormTheNextBatchAndEachGetsItsOwnResult()
    {
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var firstStarted = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var batches = new List<int[]>();
        var batcher = new WriteBatcher<int, string>(async items =>
        {
            lock (batches)
            {
                batches.Add([.. items]);
            }

            if (items[0] == 0)
            {
                firstStarted.SetResult();
                await release.Task;
            }

            return [.. items.Select(i => $"r{i}")];
        }, _ => false);

        var first = batcher.WriteAsync(0, default);
        await firstStarted.Task.WaitAsync(TimeSpan.FromSeconds(10));
        var rest = Enumerable.Range(1, 10).Select(i => batcher.WriteAsync(i, default)).ToArray();
        release.SetResult();

        Assert.Equal("r0", await first.WaitAsync(TimeSpan.FromSeconds(10)));
        Assert.Equal(Enumerable.Range(1, 10).Select(i => $"r{i}"), await Task.WhenAll(rest).WaitAsync(TimeSpan.FromSeconds(10)));
        Assert.Equal([[0], [.. Enumerable.Range(1, 10)]], batches);
    }

    [Fact]
    public async Task Write_BatchRejectedForOneItemsContent_OnlyThatItemFails()
    {
        var (batcher, writeFirst, release) = Blocked(items => items.Contains(13) ? throw new ContentException("bad row") : items.Select(i => i * 10).ToArray(),
            e => e is ContentException);

        var first = await writeFirst();
        var batch = Enumerable.Range(11, 4).Select(i => batcher.WriteAsync(i, default)).ToArray();
        release.SetResult();
        await first.WaitAsync(TimeSpan.FromSeconds(10));

        Assert.Equal(110, await batch[0]);
        Assert.Equal(120, await batch[1]);
        Assert.Equal("bad row", (await Assert.ThrowsAsync<ContentException>(() => batch[2])).Message);
        Assert.Equal(140, await batch[3]);
    }

    [Fact]
    public async Task Write_BatchFailedBecauseTheDatabaseIsAway_FailsEveryItemWithoutRetryingEach()
    {
        var calls = 0;
        var (batcher, writeFirst, release) = Blocked(items =>
        {
            Interlocked.Increment(ref calls);
            return items[0] == 0 ? [0] : throw new TimeoutException("database away");
        }, e => e is ContentException);

        var first = await writeFirst();
        var batch = Enumerable.Range(1, 5).Select(i => batcher.WriteAsync(i, default)).ToArray();
        release.SetResult();
        await first.WaitAsync(TimeSpan.FromSeconds(10));

        foreach (var item in batch)
        {
            await Assert.ThrowsAsync<TimeoutException>(() => item.WaitAsync(TimeSpan.FromSeconds(10)));
        }

        Assert.Equal(2, calls);
    }

    /// <summary>A batcher whose write of item 0 waits for the returned release.</summary>
    private static (WriteBatcher<int, int> Batcher, Func<Task<Task<int>>> WriteFirst, TaskCompletionSource Release) Blocked(
        Func<IReadOnlyList<int>, int[]> write, Func<Exception, bool> isContentError)
    {
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var batcher = new WriteBatcher<int, int>(async items =>
        {
            if (items[0] == 0)
            {
                started.SetResult();
                await release.Task;
            }

            return write(items);
        }, isContentError);

        // Item 0 is written alone and held, so the items written next queue up as one batch.
        async Task<Task<int>> WriteFirst()
        {
            var first = batcher.WriteAsync(0, default);
            await started.Task.WaitAsync(TimeSpan.FromSeconds(10));
            return first;
        }

        return (batcher, WriteFirst, release);
    }
}
