using System.Globalization;
using System.Text;
using ImageGateway.LoadRunner.Classification;

namespace ImageGateway.LoadRunner.Reporting;

/// <summary>Which way a compared figure should move.</summary>
public enum Better
{
    /// <summary>Shown for context; never a regression.</summary>
    Neither,
    Lower,
    Higher,
}

/// <summary>One row of <c>compare</c>: a figure of the baseline run, of the candidate run and what the change means.</summary>
public sealed record ComparisonRow(string Metric, double Baseline, double Candidate, Better Better, string Verdict)
{
    /// <summary>The relative change from the baseline; null when the baseline is zero.</summary>
    public double? Change => Baseline == 0 ? null : (Candidate - Baseline) / Baseline;

    public bool IsRegression => Verdict == "worse";
}

/// <summary>
/// The regression table between two saved runs (<c>compare a.json b.json</c>): goodput, error and shed
/// shares, legit latency percentiles, lost requests, peak cgroup memory and OOM kills. A figure is
/// <c>worse</c> when it moved the wrong way by more than the tolerance (relative to the baseline), or
/// from zero to above zero for a figure where lower is better.
/// </summary>
public static class RunComparison
{
    public static IReadOnlyList<ComparisonRow> Compare(RunReport baseline, RunReport candidate, double tolerance)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(tolerance);
        var rows = new List<ComparisonRow>();
        void Add(string metric, Func<RunReport, double> figure, Better better)
        {
            var (a, b) = (figure(baseline), figure(candidate));
            rows.Add(new ComparisonRow(metric, a, b, better, Judge(a, b, better, tolerance)));
        }

        Add("answers / s", r => PerSecond(r, r.Totals.Completed), Better.Neither);
        Add("goodput: count-right / s", r => PerSecond(r, r.Totals.ByOutcome.GetValueOrDefault(Outcome.CountRight.Name())), Better.Higher);
        Add("error rate (%)", r => r.Totals.ErrorRate * 100, Better.Lower);
        Add("shed share (%)", r => Share(r, Outcome.Shed) * 100, Better.Lower);
        Add("lost requests", r => r.Totals.Lost, Better.Lower);
        Add("latency p50 (ms)", r => Latency(r).P50, Better.Lower);
        Add("latency p90 (ms)", r => Latency(r).P90, Better.Lower);
        Add("latency p99 (ms)", r => Latency(r).P99, Better.Lower);
        Add("latency max (ms)", r => Latency(r).Max, Better.Lower);
        Add("peak cgroup memory (MiB)", r => PeakMemory(r) / (1024.0 * 1024), Better.Lower);
        Add("OOM kills", r => r.Cgroups.Sum(c => c.OomKills), Better.Lower);
        Add("checks failed", r => r.Checks.Count(c => !c.Passed), Better.Lower);
        return rows;
    }

    /// <summary>The table as Markdown, with a header naming both runs.</summary>
    public static string Markdown(RunReport baseline, RunReport candidate, IReadOnlyList<ComparisonRow> rows, double tolerance)
    {
        var text = new StringBuilder();
        text.AppendLine(CultureInfo.InvariantCulture, $"baseline:  {Describe(baseline)}");
        text.AppendLine(CultureInfo.InvariantCulture, $"candidate: {Describe(candidate)}");
        if (baseline.Scenario != candidate.Scenario)
        {
            text.AppendLine(CultureInfo.InvariantCulture, $"warning: the runs are of different scenarios ({baseline.Scenario}, {candidate.Scenario}).");
        }

        text.AppendLine()
            .AppendLine("| metric | baseline | candidate | change | verdict |")
            .AppendLine("| --- | ---: | ---: | ---: | --- |");
        foreach (var row in rows)
        {
            var change = row.Change is { } c ? c.ToString("+0.0 %;-0.0 %;0.0 %", CultureInfo.InvariantCulture) : row.Candidate == 0 ? "0.0 %" : "new";
            text.AppendLine(CultureInfo.InvariantCulture, $"| {row.Metric} | {Figure(row.Baseline)} | {Figure(row.Candidate)} | {change} | {row.Verdict} |");
        }

        var worse = rows.Count(r => r.IsRegression);
        text.AppendLine().AppendLine(string.Create(CultureInfo.InvariantCulture,
            $"{worse} regression(s) beyond the {tolerance:0.#%} tolerance; latency is of legit requests (all requests when none were legit)."));
        return text.ToString();
    }

    private static string Judge(double baseline, double candidate, Better better, double tolerance)
    {
        if (better == Better.Neither)
        {
            return string.Empty;
        }

        var worseDelta = better == Better.Lower ? candidate - baseline : baseline - candidate;
        var limit = Math.Abs(baseline) * tolerance;
        return worseDelta > limit ? "worse" : -worseDelta > limit ? "better" : "same";
    }

    private static double PerSecond(RunReport report, long count) => report.MeasuredSeconds > 0 ? count / report.MeasuredSeconds : 0;

    private static double Share(RunReport report, Outcome outcome) =>
        report.Totals.Completed == 0 ? 0 : (double)report.Totals.ByOutcome.GetValueOrDefault(outcome.Name()) / report.Totals.Completed;

    private static Statistics.LatencySummary Latency(RunReport report) => report.LegitLatency.Count > 0 ? report.LegitLatency : report.Latency;

    private static double PeakMemory(RunReport report) =>
        report.Cgroups.Select(c => Math.Max(c.MaxUsageBytes ?? 0, c.UsageBytes.Count > 0 ? c.UsageBytes.Max(s => s.Value) : 0)).DefaultIfEmpty(0).Max();

    private static string Describe(RunReport r) =>
        string.Create(CultureInfo.InvariantCulture, $"{r.Scenario} against {r.Target}, started {r.StartedAt:u}, {r.MeasuredSeconds:0.#} s measured, {(r.Passed ? "PASS" : "FAIL")}");

    private static string Figure(double value) => value.ToString(Math.Abs(value) >= 100 || value == Math.Floor(value) ? "0.#" : "0.###", CultureInfo.InvariantCulture);
}
