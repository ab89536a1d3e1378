namespace ImageGateway.Gateway.Dispatch;

/// <summary>
/// How fast capacity drains: an exponentially weighted moving average of the bytes reservations give
/// back per second, measured only over windows in which uploads were waiting the whole time (then
/// the destinations are saturated and what they give back is their service rate, not the offered
/// load). Not thread-safe: the scheduler calls it under its lock.
/// </summary>
internal sealed class DrainRate(TimeProvider time)
{
    /// <summary>Length of one measurement window.</summary>
    public static readonly TimeSpan Window = TimeSpan.FromMilliseconds(250);

    /// <summary>Weight of the newest window: about a second of memory at 250 ms windows.</summary>
    public const double Alpha = 0.3;

    private long _windowStart = time.GetTimestamp();
    private long _releasedBytes;
    private bool _saturatedThroughout;

    /// <summary>Bytes per second, or null before a saturated window was measured.</summary>
    public double? BytesPerSecond { get; private set; }

    /// <summary>Notes that <paramref name="bytes"/> were given back while <paramref name="waiting"/> uploads wait.</summary>
    public void Released(long bytes, int waiting)
    {
        Roll(waiting);
        _releasedBytes += bytes;
    }

    /// <summary>Notes the queue's length now (after every change), closing a window when it is over.</summary>
    public void Observe(int waiting)
    {
        Roll(waiting);
        if (waiting == 0)
        {
            _saturatedThroughout = false;
        }
    }

    /// <summary>The time <paramref name="bytes"/> take to drain at the measured rate; null while it is unknown.</summary>
    public TimeSpan? TimeFor(long bytes) =>
        BytesPerSecond is { } rate && rate > 0 ? TimeSpan.FromSeconds(Math.Max(0, bytes) / rate) : null;

    private void Roll(int waiting)
    {
        var now = time.GetTimestamp();
        var elapsed = time.GetElapsedTime(_windowStart, now);
        if (elapsed < Window)
        {
            return;
        }

        if (_saturatedThroughout && waiting > 0)
        {
            var sample = _releasedBytes / elapsed.TotalSeconds;
            BytesPerSecond = BytesPerSecond is { } previous ? (Alpha * sample) + ((1 - Alpha) * previous) : sample;
        }

        _windowStart = now;
        _releasedBytes = 0;
        _saturatedThroughout = waiting > 0;
    }
}
