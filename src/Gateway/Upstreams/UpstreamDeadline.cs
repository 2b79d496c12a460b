using SutazAi.Gateway.Errors;

namespace SutazAi.Gateway.Upstreams;

/// <summary>
/// The time limits of one upstream call, as one cancellation token: the first-byte (or response) timeout
/// until headers arrive, then an idle timeout reset by every chunk, plus a maximum stream duration.
/// Idea from YARP's ActivityCancellationTokenSource: no total timeout on generation.
/// </summary>
internal sealed class UpstreamDeadline : IDisposable
{
    private readonly CancellationTokenSource _cts;
    private readonly CancellationToken _client;
    private readonly ITimer _phaseTimer;
    private readonly ITimer _maxTimer;
    private readonly TimeSpan _idle;
    private volatile int _phase = (int)ErrorKind.UpstreamTimeout;
    private volatile int _fired = -1;

    public UpstreamDeadline(TimeProvider time, TimeSpan firstByte, TimeSpan idle, TimeSpan max, CancellationToken client)
    {
        _client = client;
        _idle = idle;
        _cts = CancellationTokenSource.CreateLinkedTokenSource(client);
        _phaseTimer = time.CreateTimer(static s => ((UpstreamDeadline)s!).Fire(null), this, firstByte, Timeout.InfiniteTimeSpan);
        _maxTimer = time.CreateTimer(static s => ((UpstreamDeadline)s!).Fire(ErrorKind.StreamMaxDuration), this, max, Timeout.InfiniteTimeSpan);
    }

    public CancellationToken Token => _cts.Token;

    public bool ClientGone => _client.IsCancellationRequested;

    /// <summary>Set once a limit fired: which one.</summary>
    public ErrorKind? Fired => _fired < 0 ? null : (ErrorKind)_fired;

    /// <summary>Headers arrived: from now on the idle timeout applies.</summary>
    public void HeadersReceived()
    {
        _phase = (int)ErrorKind.StreamIdleTimeout;
        _phaseTimer.Change(_idle, Timeout.InfiniteTimeSpan);
    }

    /// <summary>A chunk arrived: restart the idle timeout.</summary>
    public void Touch() => _phaseTimer.Change(_idle, Timeout.InfiniteTimeSpan);

    public void Dispose()
    {
        _phaseTimer.Dispose();
        _maxTimer.Dispose();
        _cts.Dispose();
    }

    private void Fire(ErrorKind? kind)
    {
        Interlocked.CompareExchange(ref _fired, (int)(kind ?? (ErrorKind)_phase), -1);
        try
        {
            _cts.Cancel();
        }
        catch (ObjectDisposedException)
        {
            // The call ended between the timer firing and this callback running; nothing left to cancel.
        }
    }
}
