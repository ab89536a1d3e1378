using Yarp.ReverseProxy.Model;

namespace ImageGateway.Gateway.Dispatch;

/// <summary>
/// One upload's share of one destination's capacity, from dispatch until its response is complete.
/// Dispose to give it back (idempotent).
/// </summary>
public sealed class DispatchReservation : IDisposable
{
    private readonly DispatchScheduler _scheduler;
    private int _released;

    internal DispatchReservation(DispatchScheduler scheduler, DestinationState destination, long bytes, long dispatchedAt, string? clientKey)
    {
        _scheduler = scheduler;
        Destination = destination;
        Bytes = bytes;
        DispatchedAt = dispatchedAt;
        ClientKey = clientKey;
    }

    /// <summary>Where the upload goes; the <c>FreeBudget</c> load-balancing policy returns it.</summary>
    public DestinationState Destination { get; internal set; }

    /// <summary>The upload's decode cost: its body plus the decode estimate.</summary>
    public long Bytes { get; }

    /// <summary>When it was dispatched (a <see cref="TimeProvider"/> timestamp).</summary>
    public long DispatchedAt { get; internal set; }

    internal string? ClientKey { get; }

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _released, 1) == 0)
        {
            _scheduler.Release(this);
        }
    }
}
