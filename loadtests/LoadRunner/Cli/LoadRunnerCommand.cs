using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using ImageGateway.LoadRunner.Reporting;
using ImageGateway.LoadRunner.Scenarios;

namespace ImageGateway.LoadRunner.Cli;

/// <summary>
/// The runner's command line, shaped like the load tools its users know (k6, NBomber): <c>run &lt;scenario&gt;</c>,
/// <c>scenarios</c>, <c>report results.json</c> and <c>compare a.json b.json</c>. Documented in
/// <c>docs/load-testing.md</c>.
/// </summary>
public static class LoadRunnerCommand
{
    public static RootCommand Create(Func<RunOptions, CancellationToken, Task<int>> run)
    {
        var root = new RootCommand("Load runner for the image-upload gateway. 'run <scenario>' drives load and writes a report; "
            + "'scenarios' lists them; 'report' re-renders a saved run; 'compare' tabulates two runs.");
        root.Subcommands.Add(RunCommand.Create(run));
        root.Subcommands.Add(Scenarios());
        root.Subcommands.Add(Report());
        root.Subcommands.Add(Compare());
        return root;
    }

    private static Command Scenarios()
    {
        var command = new Command("scenarios", "List the scenarios 'run' accepts, with their default model and length.");
        command.SetAction(parse =>
        {
            var output = parse.InvocationConfiguration.Output;
            foreach (var name in ScenarioCatalog.Names)
            {
                var model = name == "overload" ? "closed, stepped" : ScenarioCatalog.DefaultModel(name, rateGiven: false).ToString().ToLowerInvariant();
                var length = name == "overload" ? "--steps x --step-duration" : ScenarioCatalog.DefaultDuration(name).ToString("c", CultureInfo.InvariantCulture);
                var stages = ScenarioCatalog.AcceptsStages(name) ? "; takes --stage" : string.Empty;
                output.WriteLine($"{name,-9} {ScenarioCatalog.Descriptions[name]} ({model}, {length}{stages})");
            }

            return RunCommand.ExitPassed;
        });
        return command;
    }

    private static Command Report()
    {
        var results = new Argument<string>("results") { Description = "A run's results.json" };
        var output = new Option<string?>("--out") { Description = "Folder for report.md, report.html and the charts (default: the folder of results.json)" };
        var command = new Command("report", "Re-render report.md, report.html and the charts from a saved results.json.") { results, output };
        command.SetAction(parse =>
        {
            var path = parse.GetValue(results)!;
            if (!TryRead(path, parse.InvocationConfiguration.Error, out var report))
            {
                return RunCommand.ExitUsage;
            }

            var folder = parse.GetValue(output) ?? Path.GetDirectoryName(Path.GetFullPath(path))!;
            foreach (var file in ReportWriter.Write(report!, folder, writeResults: false))
            {
                parse.InvocationConfiguration.Output.WriteLine($"report: {file}");
            }

            return report!.Passed ? RunCommand.ExitPassed : RunCommand.ExitFailed;
        });
        return command;
    }

    private static Command Compare()
    {
        var baseline = new Argument<string>("baseline") { Description = "The reference run's results.json" };
        var candidate = new Argument<string>("candidate") { Description = "The run to judge against it" };
        var tolerance = new Option<double>("--tolerance") { Description = "Relative change treated as noise (0.1 = 10 %)", DefaultValueFactory = _ => 0.1 };
        var failOnRegression = new Option<bool>("--fail-on-regression") { Description = "Exit 1 when any figure is worse beyond the tolerance" };
        var command = new Command("compare", "A regression table between two saved runs (results.json).") { baseline, candidate, tolerance, failOnRegression };
        command.SetAction(parse =>
        {
            var error = parse.InvocationConfiguration.Error;
            var limit = parse.GetValue(tolerance);
            if (limit is < 0 or > 10 || !double.IsFinite(limit))
            {
                error.WriteLine("loadrunner: --tolerance must be between 0 and 10.");
                return RunCommand.ExitUsage;
            }

            if (!TryRead(parse.GetValue(baseline)!, error, out var a) || !TryRead(parse.GetValue(candidate)!, error, out var b))
            {
                return RunCommand.ExitUsage;
            }

            var rows = RunComparison.Compare(a!, b!, limit);
            parse.InvocationConfiguration.Output.Write(RunComparison.Markdown(a!, b!, rows, limit));
            return parse.GetValue(failOnRegression) && rows.Any(r => r.IsRegression) ? RunCommand.ExitFailed : RunCommand.ExitPassed;
        });
        return command;
    }

    private static bool TryRead(string path, TextWriter error, out RunReport? report)
    {
        report = null;
        try
        {
            report = ReportWriter.Read(path);
            return true;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or JsonException or NotSupportedException)
        {
            error.WriteLine($"loadrunner: {path} is not a run's results.json: {ex.Message}");
            return false;
        }
    }
}
