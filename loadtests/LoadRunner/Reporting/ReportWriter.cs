using System.Net;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace ImageGateway.LoadRunner.Reporting;

/// <summary>
/// Writes the report folder: <c>results.json</c> for machines, <c>report.md</c> (charts beside it as
/// PNG files) and a self-contained <c>report.html</c> with the charts embedded.
/// </summary>
public static class ReportWriter
{
    public static readonly JsonSerializerOptions Json = new()
    {
        WriteIndented = true,
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.KebabCaseLower) },
    };

    /// <summary>Writes the report folder; <paramref name="writeResults"/> false re-renders an existing <c>results.json</c> (the <c>report</c> command).</summary>
    public static IReadOnlyList<string> Write(RunReport report, string folder, bool writeResults = true)
    {
        Directory.CreateDirectory(folder);
        var charts = ChartRenderer.Render(report, folder);
        var tables = ReportTables.All(report);
        var files = new List<string>();
        if (writeResults)
        {
            files.Add(WriteFile(folder, "results.json", JsonSerializer.Serialize(report, Json)));
        }

        files.Add(WriteFile(folder, "report.md", Markdown(report, tables, charts)));
        files.Add(WriteFile(folder, "report.html", Html(report, tables, charts, folder)));
        files.AddRange(charts.Select(c => Path.Combine(folder, c.FileName)));
        return files;
    }

    /// <summary>Reads a saved <c>results.json</c>; throws <see cref="JsonException"/> when it is not one (e.g. an <c>overload.json</c>).</summary>
    public static RunReport Read(string path)
    {
        using var stream = File.OpenRead(path);
        var report = JsonSerializer.Deserialize<RunReport>(stream, Json);
        return report is { Scenario: not null, Totals: not null, Timeline: not null, Checks: not null }
            ? report
            : throw new JsonException("it lacks a run report's scenario, totals, timeline or checks");
    }

    public static string Markdown(RunReport report, IReadOnlyList<ReportTables.Table> tables, IReadOnlyList<Chart> charts)
    {
        var md = new StringBuilder();
        md.AppendLine($"# Load run `{report.Scenario}`: {(report.Passed ? "PASS" : "FAIL")}").AppendLine();
        md.AppendLine($"{report.Description}.").AppendLine();
        md.AppendLine($"- Target: `{report.Target}`, started {report.StartedAt:u}, warm-up {report.WarmupSeconds:0.#} s (not counted), measured {report.MeasuredSeconds:0.#} s");
        md.AppendLine($"- Phases: {string.Join("; ", report.Phases.Select(p => p.Describe()))}");
        md.AppendLine($"- Command: `{report.CommandLine}`").AppendLine();
        foreach (var table in tables)
        {
            md.AppendLine($"## {table.Title}").AppendLine();
            md.AppendLine("| " + string.Join(" | ", table.Header) + " |");
            md.AppendLine("|" + string.Concat(table.Header.Select(_ => " --- |")));
            foreach (var row in table.Rows)
            {
                md.AppendLine("| " + string.Join(" | ", row.Select(c => c.Replace("|", "\\|", StringComparison.Ordinal))) + " |");
            }

            md.AppendLine();
        }

        md.AppendLine("## Charts").AppendLine();
        foreach (var chart in charts)
        {
            md.AppendLine($"### {chart.Title}").AppendLine().AppendLine(chart.Caption).AppendLine();
            md.AppendLine($"![{chart.Title}]({chart.FileName})").AppendLine();
        }

        return md.ToString();
    }

    private static string Html(RunReport report, IReadOnlyList<ReportTables.Table> tables, IReadOnlyList<Chart> charts, string folder)
    {
        static string E(string s) => WebUtility.HtmlEncode(s);
        var html = new StringBuilder();
        html.AppendLine("<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\">");
        html.AppendLine($"<title>Load run {E(report.Scenario)}: {(report.Passed ? "PASS" : "FAIL")}</title>");
        html.AppendLine("<style>body{font-family:system-ui,sans-serif;max-width:1000px;margin:2em auto;color:#222}"
            + "table{border-collapse:collapse;margin:.5em 0 1.5em}td,th{border:1px solid #ccc;padding:.25em .6em;text-align:left;font-size:.9em}"
            + "th{background:#f3f3f3}.pass{color:#1a7f37}.fail{color:#c62828;font-weight:bold}img{max-width:100%;border:1px solid #ddd}</style></head><body>");
        html.AppendLine($"<h1>Load run <code>{E(report.Scenario)}</code>: <span class=\"{(report.Passed ? "pass" : "fail")}\">{(report.Passed ? "PASS" : "FAIL")}</span></h1>");
        html.AppendLine($"<p>{E(report.Description)}.</p><p>Target <code>{E(report.Target)}</code>, started {report.StartedAt:u}, "
            + $"warm-up {report.WarmupSeconds:0.#} s (not counted), measured {report.MeasuredSeconds:0.#} s.<br>Command: <code>{E(report.CommandLine)}</code></p>");
        foreach (var table in tables)
        {
            html.AppendLine($"<h2>{E(table.Title)}</h2><table><tr>{string.Concat(table.Header.Select(h => $"<th>{E(h)}</th>"))}</tr>");
            foreach (var row in table.Rows)
            {
                html.AppendLine("<tr>" + string.Concat(row.Select(c => $"<td{(c == "FAIL" || c == "failure" ? " class=\"fail\"" : string.Empty)}>{E(c)}</td>")) + "</tr>");
            }

            html.AppendLine("</table>");
        }

        foreach (var chart in charts)
        {
            var data = Convert.ToBase64String(File.ReadAllBytes(Path.Combine(folder, chart.FileName)));
            html.AppendLine($"<h2>{E(chart.Title)}</h2><p>{E(chart.Caption)}</p><img alt=\"{E(chart.Title)}\" src=\"data:image/png;base64,{data}\">");
        }

        html.AppendLine("</body></html>");
        return html.ToString();
    }

    private static string WriteFile(string folder, string name, string content)
    {
        var path = Path.Combine(folder, name);
        File.WriteAllText(path, content);
        return path;
    }
}
