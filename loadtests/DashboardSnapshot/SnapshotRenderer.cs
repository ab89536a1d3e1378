using ScottPlot;

namespace ImageGateway.DashboardSnapshot;

/// <summary>
/// Renders the dashboard's panels, each from its own queries' results, into one PNG laid out as the
/// dashboard is (three panels a row). Grafana is not installable here; the data and the queries are
/// the same ones Grafana would use.
/// </summary>
public static class SnapshotRenderer
{
    public static void Render(IReadOnlyList<(DashboardPanel Panel, IReadOnlyList<(PanelQuery Query, IReadOnlyList<Series> Series)> Results)> panels,
        DateTimeOffset start, DateTimeOffset end, string path, string caption)
    {
        const int columns = 3;
        var rows = (panels.Count + columns - 1) / columns;
        var multiplot = new Multiplot();
        multiplot.AddPlots(panels.Count);
        multiplot.Layout = new ScottPlot.MultiplotLayouts.Grid(rows, columns);
        var palette = new ScottPlot.Palettes.Category10();
        for (var i = 0; i < panels.Count; i++)
        {
            var (panel, results) = panels[i];
            var plot = multiplot.GetPlot(i);
            plot.Title(panel.Title, size: 13);
            plot.XLabel(i == 0 ? $"seconds since {start:yyyy-MM-dd HH:mm:ss} UTC" : "s", size: 10);
            var (scale, unit) = Scale(panel.Unit, results.SelectMany(r => r.Series).SelectMany(s => s.Points).Select(p => p.Value).Where(double.IsFinite).DefaultIfEmpty(0).Max());
            plot.YLabel(unit, size: 10);
            var color = 0;
            foreach (var (query, series) in results)
            {
                foreach (var s in series)
                {
                    var points = s.Points.Where(p => double.IsFinite(p.Value)).ToList();
                    if (points.Count == 0)
                    {
                        continue;
                    }

                    var line = plot.Add.ScatterLine(points.Select(p => (p.Time - start).TotalSeconds).ToArray(), points.Select(p => p.Value / scale).ToArray(), palette.GetColor(color++));
                    line.LegendText = Shorten(s.Legend(query.Legend));
                    line.LineWidth = 1.5f;
                }
            }

            // One time axis for every panel, as a dashboard has; values from zero up.
            if (color == 0)
            {
                plot.Add.Annotation("no data in this range", Alignment.MiddleCenter);
                plot.Axes.SetLimitsY(0, 1);
            }
            else
            {
                plot.ShowLegend(Alignment.UpperLeft);
                plot.Legend.FontSize = 9;
                plot.Axes.AutoScale();
                var limits = plot.Axes.GetLimits();
                plot.Axes.SetLimitsY(Math.Min(0, limits.Bottom), limits.Top <= 0 ? 1 : limits.Top * 1.1);
            }

            plot.Axes.SetLimitsX(0, (end - start).TotalSeconds);
        }

        multiplot.SavePng(path, 1800, rows * 330);
        Console.WriteLine($"{path}: {panels.Count} panels; {caption}");
    }

    private static (double Scale, string Unit) Scale(string unit, double max) => unit switch
    {
        "bytes" when max >= 1 << 30 => (1 << 30, "GiB"),
        "bytes" when max >= 1 << 20 => (1 << 20, "MiB"),
        "bytes" => (1024, "KiB"),
        "s" when max < 1 => (0.001, "ms"),
        "s" => (1, "s"),
        "reqps" => (1, "per second"),
        _ => (1, ""),
    };

    private static string Shorten(string text) => text.Length <= 48 ? text : text[..47] + "…";
}
