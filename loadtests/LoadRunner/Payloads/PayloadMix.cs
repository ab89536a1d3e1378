namespace ImageGateway.LoadRunner.Payloads;

/// <summary>
/// Picks the next payload: hostile with probability <see cref="HostileRatio"/>, else legit, uniformly
/// within each group. Deterministic for a given <see cref="Random"/> seed.
/// </summary>
public sealed class PayloadMix
{
    public PayloadMix(IReadOnlyList<Payload> legit, IReadOnlyList<Payload> hostile, double hostileRatio)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(hostileRatio, 0);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(hostileRatio, 1);
        if ((hostileRatio < 1 && legit.Count == 0) || (hostileRatio > 0 && hostile.Count == 0))
        {
            throw new ArgumentException("The mix needs legit payloads unless it is all hostile, and hostile ones unless it is all legit.");
        }

        Legit = legit;
        Hostile = hostile;
        HostileRatio = hostileRatio;
    }

    public IReadOnlyList<Payload> Legit { get; }

    public IReadOnlyList<Payload> Hostile { get; }

    public double HostileRatio { get; }

    public Payload Next(Random random)
    {
        var pool = HostileRatio >= 1 || (HostileRatio > 0 && random.NextDouble() < HostileRatio) ? Hostile : Legit;
        return pool[random.Next(pool.Count)];
    }
}
