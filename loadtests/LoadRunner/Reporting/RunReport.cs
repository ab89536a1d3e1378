using ImageGateway.LoadRunner.Sampling;
using ImageGateway.LoadRunner.Statistics;
using ImageGateway.LoadRunner.Verdicts;

namespace ImageGateway.LoadRunner.Reporting;

/// <summary>A measured phase as reported: where it sits on the timeline and what load it applied (ramping to <see cref="RampTo"/> when set).</summary>
public sealed record PhaseReport(string Name, string Model, double Rate, int VirtualUsers, double StartSecond, double DurationSeconds, double? RampTo = null)
{
    public string Describe()
    {
        var start = Model == "open" ? Rate : VirtualUsers;
        var unit = Model == "open" ? "req/s" : "users";
        var level = RampTo is { } end ? $"{start:0.#} -> {end:0.#} {unit}" : $"{start:0.#} {unit}";
        return $"{Name} {level} for {DurationSeconds:0.#} s";
    }
}

/// <summary>The counted totals. <see cref="Sent"/> = <see cref="Completed"/> + <see cref="Lost"/>, and the outcomes add up to <see cref="Completed"/>.</summary>
public sealed record TotalsReport(long Sent, long Completed, long Lost, long Failures, double ErrorRate, IReadOnlyDictionary<string, long> ByOutcome);

/// <summary>Everything a run produced; written as <c>results.json</c> and rendered as <c>report.md</c> / <c>report.html</c>.</summary>
public sealed record RunReport(
    string Scenario,
    string Description,
    string Target,
    DateTimeOffset StartedAt,
    double WarmupSeconds,
    double MeasuredSeconds,
    string CommandLine,
    IReadOnlyList<PhaseReport> Phases,
    TotalsReport Totals,
    IReadOnlyDictionary<string, long> StatusMix,
    IReadOnlyDictionary<string, Dictionary<string, long>> ByKind,
    LatencySummary Latency,
    LatencySummary LegitLatency,
    IReadOnlyDictionary<string, LatencySummary> LatencyByOutcome,
    IReadOnlyList<SecondSummary> Timeline,
    IReadOnlyList<string> FailureExamples,
    IReadOnlyList<CgroupWatch> Cgroups,
    IReadOnlyList<MetricsWatch> Metrics,
    IReadOnlyList<Check> Checks)
{
    public bool Passed => Checks.All(c => c.Passed);
}
