namespace ImageGateway.LoadRunner.Payloads;

/// <summary>
/// What the product must answer for one payload, known by construction or from independent reference
/// decoders, never from the product itself: a count (within a tolerance for lossy formats), a
/// rejection with one of the listed statuses, or either (an input the product may refuse or count).
/// </summary>
public sealed record Expectation(long? Count, long Tolerance, IReadOnlySet<int> RejectStatuses)
{
    /// <summary>A 200 whose count is exactly <paramref name="count"/> (or within <paramref name="tolerance"/>).</summary>
    public static Expectation Counted(long count, long tolerance = 0) => new(count, tolerance, new HashSet<int>());

    /// <summary>A documented rejection with one of <paramref name="statuses"/>; a 200 is a failure.</summary>
    public static Expectation Rejected(params int[] statuses) => new(null, 0, statuses.ToHashSet());

    /// <summary>Either the right count or a documented rejection with one of <paramref name="statuses"/>.</summary>
    public static Expectation CountedOrRejected(long count, params int[] statuses) => new(count, 0, statuses.ToHashSet());

    public bool CountIsRight(long actual) => Count is { } expected && Math.Abs(actual - expected) <= Tolerance;

    public override string ToString()
    {
        var parts = new List<string>();
        if (Count is { } count)
        {
            parts.Add(Tolerance == 0 ? $"200 count {count}" : $"200 count {count} ± {Tolerance}");
        }

        if (RejectStatuses.Count > 0)
        {
            parts.Add(string.Join("/", RejectStatuses.Order()));
        }

        return string.Join(" or ", parts);
    }
}
