namespace ImageGateway.TestSupport.Load;

/// <summary>
/// The intended send times of an open-model phase whose rate goes linearly from <see cref="Rate"/> to
/// <see cref="EndRate"/> (equal for a constant rate). Request <c>i</c> is due when the expected number of
/// arrivals, <c>N(t) = r0 t + (r1 - r0) t^2 / 2T</c>, reaches <c>i</c> (for a constant rate: <c>i / rate</c>),
/// whatever happened to the earlier ones. Latency is measured from this intended time, so a server that
/// stalls cannot hide the queue it built (coordinated omission).
/// </summary>
public sealed class OpenSchedule
{
    private readonly double _halfSlope;

    public OpenSchedule(double rate, TimeSpan duration, double? endRate = null)
    {
        var end = endRate ?? rate;
        ArgumentOutOfRangeException.ThrowIfNegative(rate);
        ArgumentOutOfRangeException.ThrowIfNegative(end);
        ArgumentOutOfRangeException.ThrowIfLessThan(duration, TimeSpan.Zero);
        if (endRate is null)
        {
            ArgumentOutOfRangeException.ThrowIfZero(rate);
        }

        Rate = rate;
        EndRate = end;
        Duration = duration;
        var seconds = duration.TotalSeconds;
        _halfSlope = seconds > 0 ? (end - rate) / (2 * seconds) : 0;
        Count = (long)Math.Floor((rate + end) / 2 * seconds + 1e-9);
    }

    public double Rate { get; }

    public double EndRate { get; }

    public TimeSpan Duration { get; }

    /// <summary>How many requests the phase sends.</summary>
    public long Count { get; }

    /// <summary>When request <paramref name="index"/> is due, from the start of the phase.</summary>
    public TimeSpan IntendedOffset(long index)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(index);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(index, Count);

        // The root of a t^2 + r0 t - i = 0 written as 2i / (r0 + sqrt(r0^2 + 4 a i)): exact for a = 0 and
        // stable when r0 is 0 or the rate falls.
        var root = Rate + Math.Sqrt(Math.Max(0, (Rate * Rate) + (4 * _halfSlope * index)));
        var seconds = root > 0 ? 2 * index / root : 0;
        return TimeSpan.FromTicks((long)Math.Round(seconds * TimeSpan.TicksPerSecond));
    }
}
