using System.Collections.Concurrent;

namespace SutazAi.Agents.Runtime;

/// <summary>
/// Where tool calls start: a set of dedicated background threads (created on demand, up to a maximum, then kept), not
/// the thread pool. A tool that blocks its thread and ignores cancellation holds one of these, never a pool thread, so
/// twenty stuck tools do not slow the requests the pool serves (RELIABILITY.md AG-02); and unlike a new thread per
/// call, a call costs a queue hand-off. When every thread is stuck, further calls wait and time out as calls.
/// </summary>
public sealed class ToolThreadScheduler : TaskScheduler, IDisposable
{
    public static readonly ToolThreadScheduler Shared = new(64);

    private readonly BlockingCollection<Task> _queue = [];
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

    public void Dispose() => _queue.CompleteAdding();

    protected override void QueueTask(Task task)
    {
        _queue.Add(task);

        // One more thread when the waiting work outnumbers the idle threads (all busy, or stuck).
        if (_queue.Count > Volatile.Read(ref _idle))
        {
            StartThread();
        }
    }

    protected override bool TryExecuteTaskInline(Task task, bool taskWasPreviouslyQueued) => false;

    protected override IEnumerable<Task> GetScheduledTasks() => _queue.ToArray();

    private void StartThread()
    {
        if (Interlocked.Increment(ref _threads) > _maxThreads)
        {
            Interlocked.Decrement(ref _threads);
            return;
        }

        new Thread(Work) { IsBackground = true, Name = "tool" }.Start();
    }

    private void Work()
    {
        while (true)
        {
            Interlocked.Increment(ref _idle);
            Task task;
            try
            {
                if (!_queue.TryTake(out task!, Timeout.Infinite))
                {
                    return;
                }
            }
            finally
            {
                Interlocked.Decrement(ref _idle);
            }

            TryExecuteTask(task);
        }
    }
}
