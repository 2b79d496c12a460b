using Microsoft.Extensions.Logging.Abstractions;
using SutazAi.Gateway.Storage;
using SutazAi.Gateway.Storage.Tasks;
using SutazAi.TestKit;
using TaskStatus = SutazAi.Gateway.Storage.Tasks.TaskStatus;

namespace SutazAi.Gateway.Tests.Storage;

/// <summary>
/// One behaviour, two stores: every test here runs against SQLite and against PostgreSQL (the subclasses).
/// </summary>
public abstract class TaskStoreContract
{
    private static readonly TimeSpan Lease = TimeSpan.FromSeconds(30);

    private protected ManualTimeProvider Time { get; } = new();

    /// <summary>A fresh, migrated store of the provider under test.</summary>
    private protected abstract Task<(ITaskStore Store, Database Database)> CreateAsync();

    private protected async Task<ITaskStore> StoreAsync() => (await CreateAsync()).Store;

    private static NewTask Task(string type = "chat", int priority = 0, int maxAttempts = 3, string? key = null, string payload = """{"m":1}""") =>
        new(type, payload, priority, maxAttempts, key);

    [Fact]
    public async Task Migrations_AppliedTwice_SecondRunAppliesNothing()
    {
        var (_, database) = await CreateAsync();

        var again = await new MigrationRunner(database, Time, NullLogger<MigrationRunner>.Instance).ApplyAsync(default);

        Assert.Empty(again);
        Assert.NotEmpty(MigrationRunner.Scripts(database.Provider));
    }

    [Fact]
    public async Task Enqueue_NewTask_IsQueuedWithItsQueuedEvent()
    {
        var store = await StoreAsync();

        var result = await store.EnqueueAsync(Task(), default);

        Assert.Equal(EnqueueOutcome.Created, result.Outcome);
        var stored = await store.GetAsync(result.Task!.Id, default);
        Assert.Equal(TaskStatus.Queued, stored!.Status);
        Assert.Equal(0, stored.Attempts);
        Assert.Equal("""{"m":1}""", stored.Payload);
        var events = await store.EventsAsync(stored.Id, 0, default);
        Assert.Equal(["queued"], events.Select(e => e.EventType));
    }

    [Fact]
    public async Task Enqueue_SameIdempotencyKey_ReturnsFirstTaskOrConflictAndNeverASecondRow()
    {
        var store = await StoreAsync();

        var first = await store.EnqueueAsync(Task(key: "k1"), default);
        var again = await store.EnqueueAsync(Task(key: "k1"), default);
        var different = await store.EnqueueAsync(Task(key: "k1", payload: """{"m":2}"""), default);

        Assert.Equal(EnqueueOutcome.Existing, again.Outcome);
        Assert.Equal(first.Task!.Id, again.Task!.Id);
        Assert.Equal(EnqueueOutcome.KeyConflict, different.Outcome);
        Assert.Equal(1, (await store.ListAsync(null, null, 1, 10, default)).Total);
    }

    [Fact]
    public async Task Enqueue_SameKeyConcurrently_CreatesExactlyOneTask()
    {
        var store = await StoreAsync();

        var results = await System.Threading.Tasks.Task.WhenAll(Enumerable.Range(0, 8).Select(_ => store.EnqueueAsync(Task(key: "race"), default)));

        Assert.Single(results.Select(r => r.Task!.Id).Distinct());
        Assert.Equal(1, results.Count(r => r.Outcome == EnqueueOutcome.Created));
        Assert.Equal(1, (await store.ListAsync(null, null, 1, 10, default)).Total);
    }

    [Fact]
    public async Task Enqueue_ManyConcurrently_EachIsStoredOnceWithItsOwnPayloadAndQueuedEvent()
    {
        var store = await StoreAsync();

        // Concurrent enqueues are written in batches (group commit); every caller must still get its own task.
        var results = await System.Threading.Tasks.Task.WhenAll(Enumerable.Range(0, 60).Select(i =>
            store.EnqueueAsync(Task(payload: $$"""{"i":{{i}}}""", key: i % 3 == 0 ? $"k{i}" : null), default)));

        Assert.All(results, r => Assert.Equal(EnqueueOutcome.Created, r.Outcome));
        Assert.Equal(60, results.Select(r => r.Task!.Id).Distinct().Count());
        for (var i = 0; i < 60; i++)
        {
            var stored = await store.GetAsync(results[i].Task!.Id, default);
            Assert.Equal($$"""{"i":{{i}}}""", stored!.Payload);
            Assert.Equal(["queued"], (await store.EventsAsync(stored.Id, 0, default)).Select(e => e.EventType));
        }

        Assert.Equal(60, (await store.ListAsync(null, null, 1, 10, default)).Total);
    }

    [Fact]
    public async Task Complete_ManyConcurrently_EachFenceIsCheckedOnItsOwn()
    {
        var store = await StoreAsync();
        for (var i = 0; i < 20; i++)
        {
            await store.EnqueueAsync(Task(payload: $$"""{"i":{{i}}}"""), default);
        }

        var claimed = await store.ClaimAsync("w1", 20, Lease, default);
        Assert.Equal(20, claimed.Count);

        // One completion carries a fence that was never issued: only it is refused.
        var outcomes = await System.Threading.Tasks.Task.WhenAll(claimed.Select((t, i) =>
            store.CompleteAsync(t.Id, i == 7 ? t.Fence + 1 : t.Fence, $$"""{"done":{{i}}}""", default)));

        for (var i = 0; i < 20; i++)
        {
            var stored = await store.GetAsync(claimed[i].Id, default);
            Assert.Equal(i == 7 ? FinishOutcome.Stale : FinishOutcome.Done, outcomes[i]);
            Assert.Equal(i == 7 ? TaskStatus.Running : TaskStatus.Completed, stored!.Status);
            Assert.Equal(i == 7 ? null : $$"""{"done":{{i}}}""", stored.Result);
        }
    }

    [Fact]
    public async Task Progress_ManyEventsConcurrently_EachGetsItsOwnSequenceNumber()
    {
        var store = await StoreAsync();
        var id = (await store.EnqueueAsync(Task(), default)).Task!.Id;
        var claim = Assert.Single(await store.ClaimAsync("w1", 1, Lease, default));

        // A handler may report from parallel work; every event must be stored, numbered without gaps or clashes.
        await System.Threading.Tasks.Task.WhenAll(Enumerable.Range(0, 20).Select(i =>
            store.AddEventAsync(id, claim.Fence, "progress", $$"""{"step":{{i}}}""", default)));
        Assert.Equal(FinishOutcome.Done, await store.CompleteAsync(id, claim.Fence, "{}", default));

        var events = await store.EventsAsync(id, 0, default);
        Assert.Equal(Enumerable.Range(1, 23), events.Select(e => e.Seq));
        Assert.Equal(20, events.Count(e => e.EventType == "progress"));
        Assert.Equal(["queued", "started"], events.Take(2).Select(e => e.EventType));
        Assert.Equal("completed", events[^1].EventType);
    }

    [Fact]
    public async Task Claim_HighestPriorityFirstThenOldest_FencesEachClaim()
    {
        var store = await StoreAsync();
        var low = (await store.EnqueueAsync(Task(priority: 1), default)).Task!;
        Time.Advance(TimeSpan.FromMilliseconds(5));
        var high = (await store.EnqueueAsync(Task(priority: 9), default)).Task!;
        Time.Advance(TimeSpan.FromMilliseconds(5));
        var lowLater = (await store.EnqueueAsync(Task(priority: 1), default)).Task!;

        var first = Assert.Single(await store.ClaimAsync("w1", 1, Lease, default));
        var second = Assert.Single(await store.ClaimAsync("w1", 1, Lease, default));
        var third = Assert.Single(await store.ClaimAsync("w1", 1, Lease, default));

        Assert.Equal([high.Id, low.Id, lowLater.Id], new[] { first.Id, second.Id, third.Id });
        Assert.Equal(TaskStatus.Running, first.Status);
        Assert.Equal(1, first.Attempts);
        Assert.Equal(1, first.Fence);
        Assert.Equal("w1", first.LeaseOwner);
        Assert.Empty(await store.ClaimAsync("w1", 5, Lease, default));
    }

    [Fact]
    public async Task Complete_AfterLeaseExpiredAndReclaim_StaleWorkerIsFencedOut()
    {
        var store = await StoreAsync();
        var id = (await store.EnqueueAsync(Task(), default)).Task!.Id;
        var stale = Assert.Single(await store.ClaimAsync("w1", 1, Lease, default));

        Time.Advance(Lease + TimeSpan.FromSeconds(1));
        Assert.Equal(1, await store.RescueExpiredAsync(default));
        var fresh = Assert.Single(await store.ClaimAsync("w2", 1, Lease, default));

        Assert.Equal(FinishOutcome.Stale, await store.CompleteAsync(id, stale.Fence, """{"by":"w1"}""", default));
        Assert.Equal(HeartbeatResult.Stale, await store.HeartbeatAsync(id, stale.Fence, Lease, default));
        Assert.Equal(FinishOutcome.Done, await store.CompleteAsync(id, fresh.Fence, """{"by":"w2"}""", default));
        Assert.Equal(FinishOutcome.Stale, await store.CompleteAsync(id, fresh.Fence, """{"by":"again"}""", default));

        var done = await store.GetAsync(id, default);
        Assert.Equal(TaskStatus.Completed, done!.Status);
        Assert.Equal("""{"by":"w2"}""", done.Result);
        Assert.Equal(2, done.Attempts);
        var events = (await store.EventsAsync(id, 0, default)).Select(e => e.EventType).ToList();
        Assert.Equal(["queued", "started", "retrying", "started", "completed"], events);
    }

    [Fact]
    public async Task Fail_RetriesWithBackoffUntilMaxThenDeadLettersWithHistory()
    {
        var store = await StoreAsync();
        var id = (await store.EnqueueAsync(Task(maxAttempts: 3), default)).Task!.Id;
        var outcomes = new List<FinishOutcome>();
        for (var attempt = 1; attempt <= 3; attempt++)
        {
            var claim = Assert.Single(await store.ClaimAsync("w", 1, Lease, default));
            outcomes.Add(await store.FailAsync(id, claim.Fence, $"boom {attempt}", TimeSpan.FromSeconds(10), retryable: true, default));
            Assert.Empty(await store.ClaimAsync("w", 1, Lease, default));
            Time.Advance(TimeSpan.FromSeconds(11));
        }

        Assert.Equal([FinishOutcome.Retrying, FinishOutcome.Retrying, FinishOutcome.DeadLettered], outcomes);
        var dead = await store.GetAsync(id, default);
        Assert.Equal(TaskStatus.Failed, dead!.Status);
        Assert.Equal("boom 3", dead.LastError);
        Assert.Equal(3, dead.Attempts);
        Assert.NotNull(dead.CompletedAt);
        Assert.Empty(await store.ClaimAsync("w", 1, Lease, default));
        Assert.Equal(0, await store.RescueExpiredAsync(default));
        var events = (await store.EventsAsync(id, 0, default)).Select(e => e.EventType).ToList();
        Assert.Equal(["queued", "started", "retrying", "started", "retrying", "started", "failed"], events);
    }

    [Fact]
    public async Task Fail_NotRetryable_FailsAtOnceWhateverAttemptsRemain()
    {
        var store = await StoreAsync();
        var id = (await store.EnqueueAsync(Task(maxAttempts: 5), default)).Task!.Id;
        var claim = Assert.Single(await store.ClaimAsync("w", 1, Lease, default));

        Assert.Equal(FinishOutcome.DeadLettered, await store.FailAsync(id, claim.Fence, "model not found", TimeSpan.Zero, retryable: false, default));

        Assert.Equal(TaskStatus.Failed, (await store.GetAsync(id, default))!.Status);
        Assert.Empty(await store.ClaimAsync("w", 1, Lease, default));
    }

    [Fact]
    public async Task Release_OnShutdown_RequeuesWithoutUsingAnAttempt()
    {
        var store = await StoreAsync();
        var id = (await store.EnqueueAsync(Task(maxAttempts: 1), default)).Task!.Id;
        var claim = Assert.Single(await store.ClaimAsync("w", 1, Lease, default));

        Assert.Equal(FinishOutcome.Done, await store.ReleaseAsync(id, claim.Fence, default));

        var again = Assert.Single(await store.ClaimAsync("w2", 1, Lease, default));
        Assert.Equal(1, again.Attempts);
        Assert.Equal(FinishOutcome.Stale, await store.CompleteAsync(id, claim.Fence, "{}", default));
    }

    [Fact]
    public async Task Rescue_LeaseExpiresOnLastAttempt_TaskFailsInsteadOfLoopingForever()
    {
        var store = await StoreAsync();
        var id = (await store.EnqueueAsync(Task(maxAttempts: 1), default)).Task!.Id;
        Assert.Single(await store.ClaimAsync("w", 1, Lease, default));

        Time.Advance(Lease + TimeSpan.FromSeconds(1));

        Assert.Equal(1, await store.RescueExpiredAsync(default));
        var task = await store.GetAsync(id, default);
        Assert.Equal(TaskStatus.Failed, task!.Status);
        Assert.Equal("lease expired (worker lost)", task.LastError);
    }

    [Fact]
    public async Task Cancel_QueuedRunningFinishedAndUnknown_FollowTheirRules()
    {
        var store = await StoreAsync();
        var queued = (await store.EnqueueAsync(Task(), default)).Task!.Id;
        Assert.Equal(CancelOutcome.Cancelled, await store.CancelAsync(queued, default));
        Assert.Equal(TaskStatus.Cancelled, (await store.GetAsync(queued, default))!.Status);

        var running = (await store.EnqueueAsync(Task(), default)).Task!.Id;
        var claim = Assert.Single(await store.ClaimAsync("w", 1, Lease, default));
        Assert.Equal(HeartbeatResult.Extended, await store.HeartbeatAsync(running, claim.Fence, Lease, default));
        Assert.Equal(CancelOutcome.Requested, await store.CancelAsync(running, default));
        Assert.Equal(HeartbeatResult.CancelRequested, await store.HeartbeatAsync(running, claim.Fence, Lease, default));
        Assert.Equal(FinishOutcome.Done, await store.AcknowledgeCancelAsync(running, claim.Fence, default));
        Assert.Equal(TaskStatus.Cancelled, (await store.GetAsync(running, default))!.Status);

        Assert.Equal(CancelOutcome.AlreadyFinished, await store.CancelAsync(running, default));
        Assert.Equal(CancelOutcome.NotFound, await store.CancelAsync("nope", default));
    }

    [Fact]
    public async Task Heartbeat_ExtendsLease_SoRescueLeavesTheTaskAlone()
    {
        var store = await StoreAsync();
        var id = (await store.EnqueueAsync(Task(), default)).Task!.Id;
        var claim = Assert.Single(await store.ClaimAsync("w", 1, Lease, default));

        Time.Advance(TimeSpan.FromSeconds(20));
        Assert.Equal(HeartbeatResult.Extended, await store.HeartbeatAsync(id, claim.Fence, Lease, default));
        Time.Advance(TimeSpan.FromSeconds(20));

        Assert.Equal(0, await store.RescueExpiredAsync(default));
        Assert.Equal(TaskStatus.Running, (await store.GetAsync(id, default))!.Status);
    }

    [Fact]
    public async Task Events_ProgressFromTheLeaseHolderOnly_InOrder()
    {
        var store = await StoreAsync();
        var id = (await store.EnqueueAsync(Task(), default)).Task!.Id;
        var claim = Assert.Single(await store.ClaimAsync("w", 1, Lease, default));

        await store.AddEventAsync(id, claim.Fence, "progress", """{"p":0.5}""", default);
        await store.AddEventAsync(id, claim.Fence + 7, "progress", """{"p":0.9}""", default);

        var events = await store.EventsAsync(id, 1, default);
        Assert.Equal([2, 3], events.Select(e => e.Seq));
        Assert.Equal("""{"p":0.5}""", events[1].Data);
    }

    [Fact]
    public async Task List_FiltersByStatusAndTypeWithTotals()
    {
        var store = await StoreAsync();
        for (var i = 0; i < 5; i++)
        {
            await store.EnqueueAsync(Task(type: i % 2 == 0 ? "chat" : "embed"), default);
            Time.Advance(TimeSpan.FromMilliseconds(1));
        }

        await store.ClaimAsync("w", 1, Lease, default);

        var chats = await store.ListAsync(null, "chat", 1, 2, default);
        Assert.Equal(3, chats.Total);
        Assert.Equal(2, chats.Items.Count);
        Assert.True(chats.Items[0].CreatedAt >= chats.Items[1].CreatedAt);
        Assert.Equal(1, (await store.ListAsync(TaskStatus.Running, null, 1, 10, default)).Total);
        Assert.Equal(4, (await store.ListAsync(TaskStatus.Queued, null, 1, 10, default)).Total);
    }

    [Fact]
    public async Task Claim_FourConcurrentClaimers_EachTaskClaimedExactlyOnce()
    {
        var store = await StoreAsync();
        for (var i = 0; i < 200; i++)
        {
            await store.EnqueueAsync(Task(priority: i % 3), default);
        }

        var claimed = new System.Collections.Concurrent.ConcurrentBag<string>();
        await System.Threading.Tasks.Task.WhenAll(Enumerable.Range(0, 4).Select(w => System.Threading.Tasks.Task.Run(async () =>
        {
            while (await store.ClaimAsync($"w{w}", 5, Lease, default) is { Count: > 0 } batch)
            {
                foreach (var task in batch)
                {
                    claimed.Add(task.Id);
                    Assert.Equal(FinishOutcome.Done, await store.CompleteAsync(task.Id, task.Fence, "{}", default));
                }
            }
        })));

        Assert.Equal(200, claimed.Count);
        Assert.Equal(200, claimed.Distinct().Count());
        Assert.Equal(200, (await store.ListAsync(TaskStatus.Completed, null, 1, 1, default)).Total);
    }
}
