using ScottPlot;

namespace ImageGateway.LoadRunner.Reporting;

/// <summary>A rendered chart: its file name in the report folder and a one-line caption.</summary>
public sealed record Chart(string FileName, string Title, string Caption);

/// <summary>
/// Draws the report's charts as PNG files with ScottPlot (headless; SkiaSharp's bundled native
/// library needs nothing installed): throughput and latency percentiles over time, the status mix,
/// and backend memory against its limit. Legends sit below the data area so they never cover a peak;
/// the series come from <see cref="ChartSeries"/>.
/// </summary>
public static class ChartRenderer
{
    private const int Width = 900;
    private const int Height = 460;
    private const double MiB = 1024 * 1024;

    /// <summary>Answers counted right (200).</summary>
    public static readonly Color CountedColor = Colors.SeaGreen;

    /// <summary>Hostile inputs refused as expected (a documented 4xx).</summary>
    public static readonly Color RejectedColor = Colors.RebeccaPurple;

    /// <summary>Load shed as documented (503/429 with Retry-After).</summary>
    public static readonly Color ShedColor = Colors.DarkOrange;

    /// <summary>Failures of any kind.</summary>
    public static readonly Color FailureColor = Colors.Crimson;

    /// <summary>The colour of a status-mix bar: 200 counted, 429/503 shed, other 4xx rejected, anything else a failure.</summary>
    public static Color ForStatus(string label) =>
        label.StartsWith("200", StringComparison.Ordinal) ? CountedColor
        : label.StartsWith("429", StringComparison.Ordinal) || label.StartsWith("503", StringComparison.Ordinal) ? ShedColor
        : label.StartsWith('4') ? RejectedColor
        : FailureColor;

    public static IReadOnlyList<Chart> Render(RunReport report, string folder)
    {
        var charts = new List<Chart>
        {
            Throughput(report, folder),
            Latency(report, folder),
            StatusMix(report, folder),
        };
        if (Memory(report, folder) is { } memory)
        {
            charts.Add(memory);
        }

        return charts;
    }

    private static Chart Throughput(RunReport report, string folder)
    {
        var plot = NewPlot("Answers per second", "seconds since measurement began", "answers / s");
        var seconds = ChartSeries.Seconds(report);
        var xs = seconds.Select(s => s.X).ToArray();
        AddLine(plot, xs, ChartSeries.Rate(seconds, s => s.Completed), "all answers", Colors.SteelBlue);
        AddLine(plot, xs, ChartSeries.Rate(seconds, ChartSeries.Counted), "counted (200)", CountedColor);
        AddLine(plot, xs, ChartSeries.Rate(seconds, s => s.Rejected), "rejected as expected (4xx)", RejectedColor);
        AddLine(plot, xs, ChartSeries.Rate(seconds, s => s.Shed), "shed (503/429 + Retry-After)", ShedColor);
        AddLine(plot, xs, ChartSeries.Rate(seconds, s => s.Failures), "failures", FailureColor);
        MarkPhases(plot, report);
        return Save(plot, folder, "throughput.png", "Throughput",
            "Answers completed in each measured second, by class (a partly measured last second as a rate); dashed lines mark phase starts.");
    }

    private static Chart Latency(RunReport report, string folder)
    {
        var plot = NewPlot("Latency percentiles per second", "seconds since measurement began", "latency (ms)");
        // A second without answers has no latency: it is left out rather than drawn as 0 ms.
        var seconds = ChartSeries.Seconds(report).Where(s => s.Answers.Latency.Count > 0).ToList();
        var xs = seconds.Select(s => s.X).ToArray();
        AddLine(plot, xs, seconds.Select(s => s.Answers.Latency.P50).ToArray(), "p50", Colors.SeaGreen);
        AddLine(plot, xs, seconds.Select(s => s.Answers.Latency.P90).ToArray(), "p90", Colors.SteelBlue);
        AddLine(plot, xs, seconds.Select(s => s.Answers.Latency.P99).ToArray(), "p99", Colors.Crimson);
        MarkPhases(plot, report);
        return Save(plot, folder, "latency.png", "Latency", "Percentiles of the answers completed in each second, all request kinds (open model: from the intended send time).");
    }

    private static Chart StatusMix(RunReport report, string folder)
    {
        var mix = report.StatusMix.OrderBy(m => m.Key, StringComparer.Ordinal).ToList();
        var plot = NewPlot("Status mix", "answers", string.Empty);
        var positions = Enumerable.Range(0, mix.Count).Select(i => (double)i).ToArray();
        var bars = plot.Add.Bars(positions, mix.Select(m => (double)m.Value).ToArray());
        bars.Horizontal = true;
        foreach (var (bar, label) in bars.Bars.Zip(mix))
        {
            bar.Label = label.Value.ToString("N0", System.Globalization.CultureInfo.InvariantCulture);
            bar.FillColor = ForStatus(label.Key);
        }

        bars.ValueLabelStyle.FontSize = 12;
        plot.Axes.Left.SetTicks(positions, mix.Select(m => m.Key).ToArray());
        plot.Axes.Margins(left: 0, right: 0.15);
        return Save(plot, folder, "status-mix.png", "Status mix", "Every answer by status and problem type (RFC 9457 type suffix).");
    }

    private static Chart? Memory(RunReport report, string folder)
    {
        var cgroups = report.Cgroups.Where(c => c.UsageBytes.Count > 0).ToList();
        var metricSeries = report.Metrics
            .SelectMany(m => m.Series.Where(s => IsMemoryMetric(s.Key)).Select(s => (Name: $"{Host(m.Url)} {s.Key}", Samples: s.Value)))
            .ToList();
        if (cgroups.Count == 0 && metricSeries.Count == 0)
        {
            return null;
        }

        var plot = NewPlot("Backend memory", "seconds since measurement began", "MiB");
        var palette = new ScottPlot.Palettes.Category10();
        var index = 0;
        // One dashed line per distinct limit: backends of one stack share theirs.
        var sharedLimit = cgroups.Select(c => c.LimitBytes).Distinct().Count() == 1;
        foreach (var cgroup in cgroups)
        {
            var color = palette.GetColor(index++);
            var usage = ChartSeries.Measured(cgroup.UsageBytes, report.WarmupSeconds);
            AddLine(plot, usage.Select(s => s.Second).ToArray(), usage.Select(s => s.Value / MiB).ToArray(),
                $"cgroup {Path.GetFileName(cgroup.Path)} usage", color);
            if (cgroup.LimitBytes is { } limit && (!sharedLimit || cgroup == cgroups[0]))
            {
                var line = plot.Add.HorizontalLine(limit / MiB, 2, sharedLimit ? Colors.Gray : color, LinePattern.Dashed);
                line.LegendText = sharedLimit && cgroups.Count > 1 ? $"limit {limit / MiB:0} MiB (each)" : $"limit {limit / MiB:0} MiB";
            }
        }

        if (cgroups.Count == 0)
        {
            foreach (var (name, all) in metricSeries)
            {
                var samples = ChartSeries.Measured(all, report.WarmupSeconds);
                AddLine(plot, samples.Select(s => s.Second).ToArray(), samples.Select(s => s.Value / MiB).ToArray(), name, palette.GetColor(index++));
            }
        }

        MarkPhases(plot, report);

        // From zero, up to the limit: how close memory came to it is the point of this chart.
        var top = cgroups.SelectMany(c => c.UsageBytes.Select(u => u.Value).Append(c.LimitBytes ?? 0))
            .Concat(cgroups.Count > 0 ? [] : metricSeries.SelectMany(m => m.Samples.Select(u => u.Value))).DefaultIfEmpty(0).Max() / MiB;
        plot.Axes.SetLimitsY(0, Math.Max(1, top * 1.1));
        return Save(plot, folder, "memory.png", "Backend memory",
            cgroups.Count > 0 ? "Memory charged to each backend's cgroup (what the kernel OOM-kills on) against its limit (dashed)."
                : "Memory reported on /metrics (no cgroup was given).");
    }

    /// <summary>Memory series worth charting from <c>/metrics</c> when no cgroup can be read.</summary>
    public static bool IsMemoryMetric(string name) =>
        name.Contains("working_set", StringComparison.Ordinal) || name.Contains("memory_usage", StringComparison.Ordinal)
        || name.Contains("resident_memory", StringComparison.Ordinal);

    private static string Host(string url) => Uri.TryCreate(url, UriKind.Absolute, out var uri) ? uri.Authority : url;

    private static Plot NewPlot(string title, string xLabel, string yLabel)
    {
        var plot = new Plot();
        plot.Title(title);
        plot.XLabel(xLabel);
        plot.YLabel(yLabel);
        return plot;
    }

    private static void AddLine(Plot plot, double[] xs, double[] ys, string legend, Color color)
    {
        if (xs.Length == 0)
        {
            return;
        }

        var line = plot.Add.ScatterLine(xs, ys, color);
        line.LineWidth = 2;
        line.LegendText = legend;
    }

    private static void MarkPhases(Plot plot, RunReport report)
    {
        foreach (var phase in report.Phases.Skip(1))
        {
            var line = plot.Add.VerticalLine(phase.StartSecond, 1, Colors.Gray, LinePattern.Dashed);
            line.Text = phase.Name;
            line.LabelOppositeAxis = true;
        }

        // Room above the data area for the phase labels, so they sit between the title and the data.
        plot.Axes.Top.MinimumSize = 26;

        plot.Axes.SetLimitsY(0, double.NaN);
    }

    private static Chart Save(Plot plot, string folder, string fileName, string title, string caption)
    {
        // Outside the data area: a legend inside it covers whatever peak sits in its corner. A chart
        // without legend items gets none (an empty legend panel leaves ScottPlot's image blank).
        if (plot.GetPlottables().Any(p => p.LegendItems.Any(i => !string.IsNullOrEmpty(i.LabelText))))
        {
            plot.ShowLegend(Edge.Bottom);
        }

        plot.SavePng(Path.Combine(folder, fileName), Width, Height);
        return new Chart(fileName, title, caption);
    }
}
