namespace ImageGateway.LoadRunner.Load;

/// <summary>
/// The intended send times of an open-model phase: request <c>i</c> is due at <c>i / rate</c> seconds
/// after the phase starts, whatever happened to the earlier ones. Latency is measured from this
/// intended time, so a server that stalls cannot hide the queue it built (coordinated omission).
/// </summary>
public sealed class OpenSchedule
{
    public OpenSchedule(double rate, TimeSpan duration)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(rate);
        ArgumentOutOfRangeException.ThrowIfLessThan(duration, TimeSpan.Zero);
        Rate = rate;
        Duration = duration;
        Count = (long)Math.Floor(rate * duration.TotalSeconds + 1e-9);
    }

    public double Rate { get; }

    public TimeSpan Duration { get; }

    /// <summary>How many requests the phase sends.</summary>
    public long Count { get; }

    /// <summary>When request <paramref name="index"/> is due, from the start of the phase.</summary>
    public TimeSpan IntendedOffset(long index)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(index);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(index, Count);
        return TimeSpan.FromTicks((long)Math.Round(index * TimeSpan.TicksPerSecond / Rate));
    }
}
