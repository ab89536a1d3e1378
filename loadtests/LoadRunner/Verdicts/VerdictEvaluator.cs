using System.Globalization;
using ImageGateway.LoadRunner.Classification;
using ImageGateway.LoadRunner.Sampling;
using ImageGateway.LoadRunner.Statistics;

namespace ImageGateway.LoadRunner.Verdicts;

/// <summary>One pass/fail check: what was required, what was measured.</summary>
public sealed record Check(string Name, string Limit, string Actual, bool Passed);

/// <summary>
/// Turns a run's numbers into checks. The run passes only when every check passes; the exit code
/// follows (0 pass, 1 fail).
/// </summary>
public static class VerdictEvaluator
{
    public static IReadOnlyList<Check> Evaluate(
        StatisticsSnapshot stats,
        IReadOnlyList<CgroupWatch> cgroups,
        Thresholds thresholds,
        (TimeSpan Start, TimeSpan Duration)? recoveryPhase = null)
    {
        var checks = new List<Check>
        {
            new("requests answered", "> 0", Number(stats.Completed), stats.Completed > 0),
            new("no request lost", "sent = sum of outcomes", $"{Number(stats.Sent)} sent, {Number(stats.Completed)} classified, {Number(stats.Lost)} lost", stats.Lost == 0),
            new("no wrong count", "0", Number(stats.Count(Outcome.CountWrong)), stats.Count(Outcome.CountWrong) == 0),
            new("error rate", $"<= {Percent(thresholds.MaxErrorRate)}", $"{Percent(stats.ErrorRate)} ({Number(stats.Failures)})", stats.ErrorRate <= thresholds.MaxErrorRate),
        };

        if (thresholds.MaxP99 is { } maxP99)
        {
            var latency = stats.LegitLatency.Count > 0 ? stats.LegitLatency : stats.Latency;
            var name = stats.LegitLatency.Count > 0 ? "p99 latency (legit)" : "p99 latency (all)";
            checks.Add(new(name, $"<= {maxP99.TotalMilliseconds:0.#} ms", $"{latency.P99:0.#} ms", latency.Count > 0 && latency.P99 <= maxP99.TotalMilliseconds));
        }

        if (thresholds.MaxShedRate is { } maxShed)
        {
            var shedRate = stats.Completed == 0 ? 0 : (double)stats.Count(Outcome.Shed) / stats.Completed;
            checks.Add(new("shed rate", $"<= {Percent(maxShed)}", Percent(shedRate), shedRate <= maxShed));
        }

        if (thresholds.NoOom)
        {
            var readable = cgroups.Where(c => c.UsageBytes.Count > 0).ToList();
            var kills = readable.Sum(c => c.OomKills);
            checks.Add(readable.Count == 0
                ? new("no OOM kill", "0", "not measurable: no readable --backend-cgroup", false)
                : new("no OOM kill", "0", $"{kills} in {readable.Count} cgroup(s)", kills == 0));
        }

        if (thresholds.MaxRecoveryRejectRate is { } maxRecovery && recoveryPhase is { } recovery)
        {
            checks.Add(Recovery(stats, recovery.Start, recovery.Duration, maxRecovery));
        }

        return checks;
    }

    /// <summary>
    /// Full recovery: in the second half of the recovery phase, failures plus shed answers are at most
    /// <paramref name="maxRate"/> of the answers in those seconds.
    /// </summary>
    public static Check Recovery(StatisticsSnapshot stats, TimeSpan start, TimeSpan duration, double maxRate)
    {
        var from = (int)Math.Ceiling((start + duration / 2).TotalSeconds);
        var to = (int)Math.Floor((start + duration).TotalSeconds);
        var window = stats.Seconds.Where(s => s.Second >= from && s.Second < to).ToList();
        var answered = window.Sum(s => s.Completed);
        var bad = window.Sum(s => s.Failures + s.Shed);
        var rate = answered == 0 ? 1 : (double)bad / answered;
        return new("recovered after spike", $"<= {Percent(maxRate)} failed or shed in seconds {from}-{to}",
            answered == 0 ? "no answers in the window" : $"{Percent(rate)} of {Number(answered)}", answered > 0 && rate <= maxRate);
    }

    private static string Percent(double fraction) => (fraction * 100).ToString("0.###", CultureInfo.InvariantCulture) + "%";

    private static string Number(long value) => value.ToString("N0", CultureInfo.InvariantCulture);
}
