using Spectre.Console;

namespace ImageGateway.LoadRunner.Reporting;

/// <summary>The end-of-run summary on the terminal: the same tables as the report.</summary>
public static class ConsoleSummary
{
    public static void Write(RunReport report, IReadOnlyList<string> files)
    {
        foreach (var source in new[] { ReportTables.Outcomes(report), ReportTables.StatusMix(report), ReportTables.Latency(report), ReportTables.Resources(report), ReportTables.Verdict(report) })
        {
            var table = new Table().Border(TableBorder.Simple).Title(Markup.Escape(source.Title));
            foreach (var header in source.Header)
            {
                table.AddColumn(Markup.Escape(header));
            }

            foreach (var row in source.Rows)
            {
                table.AddRow(row.Select(c => c is "FAIL" or "failure" ? $"[red]{c}[/]" : Markup.Escape(c)).ToArray());
            }

            AnsiConsole.Write(table);
        }

        AnsiConsole.MarkupLine(report.Passed ? "[green]PASS[/]" : "[red]FAIL[/]");
        foreach (var file in files)
        {
            AnsiConsole.WriteLine($"report: {file}");
        }
    }
}
