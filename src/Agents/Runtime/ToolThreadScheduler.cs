using System.Collections.Concurrent;

namespace SutazAi.Agents.Runtime;

/// <summary>
/// Where tool calls start: dedicated background threads (created on demand, up to a maximum, then kept), not the
/// thread pool. A tool that blocks its thread and ignores cancellation holds one of these, never a pool thread, so
/// twenty stuck tools do not slow the requests the pool serves (RELIABILITY.md AG-02); and unlike a new thread per
/// call, a call costs a queue hand-off. When every thread is stuck, further calls wait in the queue and time out as
/// calls; a thread comes back when its tool finally returns.
/// </summary>
public sealed class ToolThreadScheduler : TaskScheduler, IDisposable
{
    public static readonly ToolThreadScheduler Shared = new(64);

    private readonly ConcurrentQueue<Task> _queue = new();
    private readonly SemaphoreSlim _wake = new(0);
    private readonly int _maxThreads;
    private int _threads;
    private int _idle;

    public ToolThreadScheduler(int maxThreads)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxThreads, 1);
        _maxThreads = maxThreads;
    }

    public override int MaximumConcurrencyLevel => _maxThreads;

    public int Threads => Volatile.Read(ref _threads);

    public void Dispose() => _wake.Dispose();

    protected override void QueueTask(Task task)
    {
        _queue.Enqueue(task);

        // Claim an idle thread (it is woken for this task) or start one. A thread is counted idle only while it waits,
        // so a claimed thread is never one that is about to run something else.
        while (true)
        {
            var idle = Volatile.Read(ref _idle);
            if (idle == 0)
            {
                StartThread();
                return;
            }

            if (Interlocked.CompareExchange(ref _idle, idle - 1, idle) == idle)
            {
                _wake.Release();
                return;
            }
        }
    }

    protected override bool TryExecuteTaskInline(Task task, bool taskWasPreviouslyQueued) => false;

    protected override IEnumerable<Task> GetScheduledTasks() => [.. _queue];

    private void StartThread()
    {
        if (Interlocked.Increment(ref _threads) > _maxThreads)
        {
            // At the maximum: the task waits for a thread to finish what it runs.
            Interlocked.Decrement(ref _threads);
            return;
        }

        new Thread(Work) { IsBackground = true, Name = "tool" }.Start();
    }

    private void Work()
    {
        while (true)
        {
            while (_queue.TryDequeue(out var task))
            {
                TryExecuteTask(task);
            }

            Interlocked.Increment(ref _idle);
            _wake.Wait();
        }
    }
}
