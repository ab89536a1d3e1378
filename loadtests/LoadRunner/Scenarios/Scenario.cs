using ImageGateway.LoadRunner.Payloads;
using ImageGateway.TestSupport.Load;

namespace ImageGateway.LoadRunner.Scenarios;

/// <summary>A named workload: what is sent (<see cref="Mix"/>) and how hard (<see cref="Phases"/>).</summary>
public sealed record Scenario(string Name, string Description, PayloadMix Mix, IReadOnlyList<Phase> Phases)
{
    /// <summary>The measured phases' total length (warm-up excluded).</summary>
    public TimeSpan MeasuredDuration => Phases.Where(p => p.Counted).Aggregate(TimeSpan.Zero, (sum, p) => sum + p.Duration);

    /// <summary>Start offset of each measured phase from the start of measurement, for charts and the recovery check.</summary>
    public IReadOnlyList<(Phase Phase, TimeSpan Start)> MeasuredTimeline()
    {
        var offset = TimeSpan.Zero;
        var timeline = new List<(Phase, TimeSpan)>();
        foreach (var phase in Phases.Where(p => p.Counted))
        {
            timeline.Add((phase, offset));
            offset += phase.Duration;
        }

        return timeline;
    }
}
