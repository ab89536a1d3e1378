using ScottPlot;

namespace ImageGateway.LoadRunner.Reporting;

/// <summary>A rendered chart: its file name in the report folder and a one-line caption.</summary>
public sealed record Chart(string FileName, string Title, string Caption);

/// <summary>
/// Draws the report's charts as PNG files with ScottPlot (headless; SkiaSharp's bundled native
/// library needs nothing installed): throughput and latency percentiles over time, the status mix,
/// and backend memory against its limit.
/// </summary>
public static class ChartRenderer
{
    private const int Width = 900;
    private const int Height = 420;
    private const double MiB = 1024 * 1024;

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
        var xs = report.Timeline.Select(s => s.Second + 0.5).ToArray();
        AddLine(plot, xs, report.Timeline.Select(s => (double)s.Completed).ToArray(), "all answers", Colors.SteelBlue);
        AddLine(plot, xs, report.Timeline.Select(s => (double)(s.Completed - s.Failures - s.Shed - s.Rejected)).ToArray(), "counted (200)", Colors.SeaGreen);
        AddLine(plot, xs, report.Timeline.Select(s => (double)s.Rejected).ToArray(), "rejected as expected (4xx)", Colors.GoldenRod);
        AddLine(plot, xs, report.Timeline.Select(s => (double)s.Shed).ToArray(), "shed (503/429 + Retry-After)", Colors.DarkOrange);
        AddLine(plot, xs, report.Timeline.Select(s => (double)s.Failures).ToArray(), "failures", Colors.Crimson);
        MarkPhases(plot, report);
        return Save(plot, folder, "throughput.png", "Throughput", "Answers completed in each second, by class; dashed lines mark phase starts.");
    }

    private static Chart Latency(RunReport report, string folder)
    {
        var plot = NewPlot("Latency percentiles per second", "seconds since measurement began", "latency (ms)");
        var xs = report.Timeline.Select(s => s.Second + 0.5).ToArray();
        AddLine(plot, xs, report.Timeline.Select(s => s.Latency.P50).ToArray(), "p50", Colors.SeaGreen);
        AddLine(plot, xs, report.Timeline.Select(s => s.Latency.P90).ToArray(), "p90", Colors.SteelBlue);
        AddLine(plot, xs, report.Timeline.Select(s => s.Latency.P99).ToArray(), "p99", Colors.Crimson);
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
            bar.FillColor = label.Key.StartsWith("200", StringComparison.Ordinal) ? Colors.SeaGreen
                : label.Key.StartsWith('4') ? Colors.GoldenRod
                : label.Key.StartsWith("503", StringComparison.Ordinal) ? Colors.DarkOrange
                : Colors.Crimson;
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

        var plot = NewPlot("Backend memory", "seconds since the run began (warm-up included)", "MiB");
        var palette = new ScottPlot.Palettes.Category10();
        var index = 0;
        foreach (var cgroup in cgroups)
        {
            var color = palette.GetColor(index++);
            AddLine(plot, cgroup.UsageBytes.Select(s => s.Second).ToArray(), cgroup.UsageBytes.Select(s => s.Value / MiB).ToArray(),
                $"cgroup {Path.GetFileName(cgroup.Path)} usage", color);
            if (cgroup.LimitBytes is { } limit)
            {
                var line = plot.Add.HorizontalLine(limit / MiB, 2, color, LinePattern.Dashed);
                line.LegendText = $"limit {limit / MiB:0} MiB";
            }
        }

        if (cgroups.Count == 0)
        {
            foreach (var (name, samples) in metricSeries)
            {
                AddLine(plot, samples.Select(s => s.Second).ToArray(), samples.Select(s => s.Value / MiB).ToArray(), name, palette.GetColor(index++));
            }
        }

        plot.Axes.SetLimitsY(0, double.NaN);
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

        plot.Axes.SetLimitsY(0, double.NaN);
    }

    private static Chart Save(Plot plot, string folder, string fileName, string title, string caption)
    {
        plot.ShowLegend(Alignment.UpperRight);
        plot.SavePng(Path.Combine(folder, fileName), Width, Height);
        return new Chart(fileName, title, caption);
    }
}
