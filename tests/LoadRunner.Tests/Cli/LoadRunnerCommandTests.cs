using System.CommandLine;
using ImageGateway.LoadRunner.Cli;
using ImageGateway.LoadRunner.Reporting;
using ImageGateway.LoadRunner.Scenarios;
using ImageGateway.LoadRunner.Tests.Reporting;

namespace ImageGateway.LoadRunner.Tests.Cli;

public sealed class LoadRunnerCommandTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task Scenarios_ListsEveryScenarioWithItsDescription()
    {
        var (exit, output, _) = await InvokeAsync("scenarios");

        Assert.Equal(RunCommand.ExitPassed, exit);
        foreach (var name in ScenarioCatalog.Names)
        {
            Assert.Contains($"{name} ", output, StringComparison.Ordinal);
            Assert.Contains(ScenarioCatalog.Descriptions[name], output, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task Run_ScenarioAsArgument_ReachesTheRunWithItsOptions()
    {
        RunOptions? seen = null;
        var root = LoadRunnerCommand.Create((options, _) =>
        {
            seen = options;
            return Task.FromResult(RunCommand.ExitPassed);
        });

        var exit = await root.Parse(["run", "hostile", "--duration", "2s", "--no-live"]).InvokeAsync().WaitAsync(Timeout);

        Assert.Equal(RunCommand.ExitPassed, exit);
        Assert.Equal("hostile", seen!.Scenario.Scenario);
        Assert.Equal(TimeSpan.FromSeconds(2), seen.Scenario.Duration);
        Assert.StartsWith("loadrunner run hostile", seen.CommandLine, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Report_SavedResults_RendersTheSameMarkdownAgain()
    {
        var original = Directory.CreateTempSubdirectory("report").FullName;
        var again = Directory.CreateTempSubdirectory("report-again").FullName;
        try
        {
            ReportWriter.Write(ReportWriterTests.SpikeReport(original), original);

            var (exit, output, _) = await InvokeAsync("report", Path.Combine(original, "results.json"), "--out", again);

            Assert.Equal(RunCommand.ExitPassed, exit);
            Assert.Equal(File.ReadAllText(Path.Combine(original, "report.md")), File.ReadAllText(Path.Combine(again, "report.md")));
            Assert.False(File.Exists(Path.Combine(again, "results.json")));
            Assert.True(File.Exists(Path.Combine(again, "throughput.png")));
            Assert.Contains("report.html", output, StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(original, recursive: true);
            Directory.Delete(again, recursive: true);
        }
    }

    [Fact]
    public async Task Report_FileThatIsNotARunReport_ExitsTwo()
    {
        var file = Path.GetTempFileName();
        try
        {
            await File.WriteAllTextAsync(file, "[{\"Clients\": 2}]").WaitAsync(Timeout);

            var (exit, _, error) = await InvokeAsync("report", file);

            Assert.Equal(RunCommand.ExitUsage, exit);
            Assert.Contains("is not a run's results.json", error, StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(file);
        }
    }

    [Fact]
    public async Task Compare_SlowerCandidate_ShowsTheRegressionAndFailsWhenAsked()
    {
        var folder = Directory.CreateTempSubdirectory("compare").FullName;
        try
        {
            var baseline = ReportWriterTests.SpikeReport(folder);
            // The same run with legit p99 latency doubled: a regression well over the 10 % tolerance.
            var candidate = baseline with { LegitLatency = baseline.LegitLatency with { P99 = baseline.LegitLatency.P99 * 2 } };
            var a = Path.Combine(folder, "a.json");
            var b = Path.Combine(folder, "b.json");
            await File.WriteAllTextAsync(a, System.Text.Json.JsonSerializer.Serialize(baseline, ReportWriter.Json)).WaitAsync(Timeout);
            await File.WriteAllTextAsync(b, System.Text.Json.JsonSerializer.Serialize(candidate, ReportWriter.Json)).WaitAsync(Timeout);

            var (plain, output, _) = await InvokeAsync("compare", a, b);
            var (strict, _, _) = await InvokeAsync("compare", a, b, "--fail-on-regression");
            var (same, _, _) = await InvokeAsync("compare", a, a, "--fail-on-regression");

            Assert.Equal(RunCommand.ExitPassed, plain);
            Assert.Equal(RunCommand.ExitFailed, strict);
            Assert.Equal(RunCommand.ExitPassed, same);
            Assert.Contains($"| latency p99 (ms) | {baseline.LegitLatency.P99:0.###} | {baseline.LegitLatency.P99 * 2:0.###} | +100.0 % | worse |", output, StringComparison.Ordinal);
            Assert.Contains("| latency p50 (ms) |", output, StringComparison.Ordinal);
            Assert.Contains("1 regression(s)", output, StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [Fact]
    public void Compare_HigherGoodputAndZeroToSomeErrors_JudgedByDirection()
    {
        var baseline = ReportWriterTests.SpikeReport(Path.GetTempPath());
        var totals = baseline.Totals;
        var candidate = baseline with
        {
            Totals = totals with
            {
                ErrorRate = 0.02,
                ByOutcome = new Dictionary<string, long>(totals.ByOutcome) { ["count-right"] = totals.ByOutcome["count-right"] * 2 },
            },
        };

        var rows = RunComparison.Compare(baseline, candidate, tolerance: 0.1).ToDictionary(r => r.Metric);

        Assert.Equal("better", rows["goodput: count-right / s"].Verdict);
        Assert.Equal("worse", rows["error rate (%)"].Verdict);
        Assert.Null(rows["error rate (%)"].Change);
        Assert.Equal("same", rows["latency p99 (ms)"].Verdict);
    }

    private static async Task<(int Exit, string Output, string Error)> InvokeAsync(params string[] args)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        var exit = await LoadRunnerCommand.Create((_, _) => Task.FromResult(RunCommand.ExitPassed))
            .Parse(args).InvokeAsync(new InvocationConfiguration { Output = output, Error = error }).WaitAsync(Timeout);
        return (exit, output.ToString(), error.ToString());
    }
}
