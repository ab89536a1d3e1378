using System.Globalization;
using ImageGateway.LoadRunner.Classification;

namespace ImageGateway.LoadRunner.Reporting;

/// <summary>
/// The report's tables as rows of cells, shared by the Markdown, HTML and console renderings so the
/// three always say the same thing.
/// </summary>
public static class ReportTables
{
    public sealed record Table(string Title, IReadOnlyList<string> Header, IReadOnlyList<IReadOnlyList<string>> Rows);

    public static IReadOnlyList<Table> All(RunReport report) =>
        [Verdict(report), Outcomes(report), StatusMix(report), ByKind(report), Latency(report), Resources(report), Failures(report)];

    public static Table Verdict(RunReport report) => new(
        $"Verdict: {(report.Passed ? "PASS" : "FAIL")}",
        ["check", "limit", "measured", "result"],
        report.Checks.Select(c => Row(c.Name, c.Limit, c.Actual, c.Passed ? "pass" : "FAIL")).ToList());

    public static Table Outcomes(RunReport report)
    {
        var t = report.Totals;
        var rows = OutcomeFacts.All
            .Select(o => Row(o.Name(), N(t.ByOutcome.GetValueOrDefault(o.Name())), Share(t.ByOutcome.GetValueOrDefault(o.Name()), t.Completed), o.IsFailure() ? "failure" : "ok"))
            .ToList();
        rows.Add(Row("total classified", N(t.Completed), Share(t.Completed, t.Completed), string.Empty));
        rows.Add(Row("sent", N(t.Sent), string.Empty, string.Empty));
        rows.Add(Row("lost (sent - classified)", N(t.Lost), string.Empty, t.Lost == 0 ? "ok" : "failure"));
        return new("Outcomes (every request sent ends in exactly one)", ["outcome", "requests", "share", "counts as"], rows);
    }

    public static Table StatusMix(RunReport report) => new(
        "Status mix",
        ["status", "answers", "share"],
        report.StatusMix.Select(m => Row(m.Key, N(m.Value), Share(m.Value, report.Totals.Completed))).ToList());

    public static Table ByKind(RunReport report) => new(
        "By request kind",
        ["kind", "requests", "outcomes"],
        report.ByKind.Select(k => Row(k.Key, N(k.Value.Values.Sum()), string.Join(", ", k.Value.Select(o => $"{o.Key} {N(o.Value)}")))).ToList());

    /// <summary>Distinct failing payloads (first 20), so a failure can be reproduced with curl.</summary>
    public static Table Failures(RunReport report) => new(
        "Failing payloads (examples)",
        ["outcome: kind name -> answer"],
        report.FailureExamples.Select(f => Row(f)).ToList());

    public static Table Latency(RunReport report)
    {
        var rows = new List<IReadOnlyList<string>>
        {
            LatencyRow("all", report.Latency),
            LatencyRow("legit", report.LegitLatency),
        };
        rows.AddRange(report.LatencyByOutcome.Select(l => LatencyRow(l.Key, l.Value)));
        return new("Latency (ms)", ["requests", "count", "mean", "p50", "p90", "p99", "p99.9", "max"], rows);
    }

    public static Table Resources(RunReport report)
    {
        const double MiB = 1024 * 1024;
        var rows = new List<IReadOnlyList<string>>();
        foreach (var c in report.Cgroups)
        {
            var peak = c.UsageBytes.Count > 0 ? c.UsageBytes.Max(s => s.Value) : 0;
            rows.Add(Row($"cgroup {c.Path}",
                c.UsageBytes.Count > 0 ? $"peak sampled {peak / MiB:0.0} MiB, max since start {(c.MaxUsageBytes ?? 0) / MiB:0.0} MiB, limit {(c.LimitBytes is { } l ? $"{l / MiB:0} MiB" : "none")}, OOM kills during run {c.OomKills}" : "not read",
                c.Problem ?? string.Empty));
        }

        foreach (var m in report.Metrics)
        {
            var series = string.Join("; ", m.Series.Take(8).Select(s => $"{s.Key} last {s.Value[^1].Value.ToString("G4", CultureInfo.InvariantCulture)} max {s.Value.Max(v => v.Value).ToString("G4", CultureInfo.InvariantCulture)}"));
            rows.Add(Row($"metrics {m.Url}", m.Failures == m.Scrapes ? "not available" : $"{m.Scrapes - m.Failures}/{m.Scrapes} scrapes; {series}", m.LastProblem ?? string.Empty));
        }

        return new("Resources", ["source", "seen", "problem"], rows);
    }

    private static IReadOnlyList<string> LatencyRow(string name, Statistics.LatencySummary l) =>
        Row(name, N(l.Count), Ms(l.Mean), Ms(l.P50), Ms(l.P90), Ms(l.P99), Ms(l.P999), Ms(l.Max));

    private static IReadOnlyList<string> Row(params string[] cells) => cells;

    private static string N(long value) => value.ToString("N0", CultureInfo.InvariantCulture);

    private static string Ms(double value) => value.ToString("0.0", CultureInfo.InvariantCulture);

    private static string Share(long part, long whole) =>
        whole == 0 ? "-" : ((double)part / whole).ToString("0.00%", CultureInfo.InvariantCulture);
}
