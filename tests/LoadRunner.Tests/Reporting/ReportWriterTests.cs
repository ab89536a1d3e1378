using System.Text.Json;
using ImageGateway.LoadRunner.Classification;
using ImageGateway.LoadRunner.Payloads;
using ImageGateway.LoadRunner.Reporting;
using ImageGateway.LoadRunner.Sampling;
using ImageGateway.LoadRunner.Scenarios;
using ImageGateway.LoadRunner.Statistics;
using ImageGateway.LoadRunner.Tests.Cli;

namespace ImageGateway.LoadRunner.Tests.Reporting;

public sealed class ReportWriterTests
{
    [Fact]
    public void Write_SpikeRun_WritesEveryFileAndTotalsAddUp()
    {
        var folder = Directory.CreateTempSubdirectory("report").FullName;
        try
        {
            var report = SpikeReport(folder);

            var files = ReportWriter.Write(report, folder);

            foreach (var name in new[] { "results.json", "report.md", "report.html", "throughput.png", "latency.png", "status-mix.png", "memory.png" })
            {
                var path = Path.Combine(folder, name);
                Assert.Contains(path, files);
                Assert.True(new FileInfo(path).Length > 200, name);
            }

            foreach (var chart in new[] { "throughput.png", "latency.png", "status-mix.png", "memory.png" })
            {
                // Drawn, not blank: axes, lines, bars and text cover well over 2 % of the image.
                using var image = SixLabors.ImageSharp.Image.Load<SixLabors.ImageSharp.PixelFormats.Rgb24>(Path.Combine(folder, chart));
                var inked = 0L;
                image.ProcessPixelRows(rows =>
                {
                    for (var y = 0; y < rows.Height; y++)
                    {
                        foreach (var p in rows.GetRowSpan(y))
                        {
                            inked += p.R < 200 || p.G < 200 || p.B < 200 ? 1 : 0;
                        }
                    }
                });
                Assert.True(inked > image.Width * image.Height / 50, $"{chart}: {inked} inked pixels");
            }

            using var json = JsonDocument.Parse(File.ReadAllText(Path.Combine(folder, "results.json")));
            var totals = json.RootElement.GetProperty("totals");
            var byOutcome = totals.GetProperty("byOutcome").EnumerateObject().Sum(o => o.Value.GetInt64());
            Assert.Equal(300, totals.GetProperty("sent").GetInt64());
            Assert.Equal(totals.GetProperty("completed").GetInt64(), byOutcome);
            Assert.Equal(0, totals.GetProperty("lost").GetInt64());
            Assert.Equal(300, json.RootElement.GetProperty("statusMix").EnumerateObject().Sum(o => o.Value.GetInt64()));
            Assert.Equal(300, json.RootElement.GetProperty("timeline").EnumerateArray().Sum(s => s.GetProperty("completed").GetInt64()));
            Assert.True(json.RootElement.GetProperty("passed").GetBoolean());

            var html = File.ReadAllText(Path.Combine(folder, "report.html"));
            Assert.Equal(4, html.Split("src=\"data:image/png;base64,").Length - 1);
            var md = File.ReadAllText(Path.Combine(folder, "report.md"));
            Assert.Contains("# Load run `spike`: PASS", md, StringComparison.Ordinal);
            Assert.Contains("| shed-with-retry-after | 60 |", md, StringComparison.Ordinal);
            Assert.Contains("![Backend memory](memory.png)", md, StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [Fact]
    public void Markdown_FailedCheck_SaysFailAndNamesTheFailingPayload()
    {
        var statistics = new RunStatistics();
        statistics.RecordSent();
        statistics.RecordCompleted("legit/png", "64x48.png", legit: true, new(Outcome.CountWrong, "200"), TimeSpan.FromMilliseconds(3), TimeSpan.Zero);
        var options = RunCommandTests.Build("legit", "--warmup", "0");
        var scenario = ScenarioCatalog.Create(options.Scenario, LegitImages.Create(), []);
        var report = LoadRun.BuildReport(options, scenario, DateTimeOffset.UtcNow, statistics.Snapshot(), ([], []));

        var md = ReportWriter.Markdown(report, ReportTables.All(report), []);

        Assert.False(report.Passed);
        Assert.Contains("# Load run `legit`: FAIL", md, StringComparison.Ordinal);
        Assert.Contains("| no wrong count | 0 | 1 | FAIL |", md, StringComparison.Ordinal);
        Assert.Contains("count-wrong: legit/png 64x48.png -> 200", md, StringComparison.Ordinal);
    }

    /// <summary>A 30 s spike run: 10 answers/s, shed in seconds 10-19, with a cgroup near its limit.</summary>
    internal static RunReport SpikeReport(string folder)
    {
        var options = RunCommandTests.Build("spike", "--duration", "30s", "--warmup", "0", "--report", folder);
        var scenario = ScenarioCatalog.Create(options.Scenario, LegitImages.Create(), HostileInputs.Create(oversizeBytes: 1024));
        var statistics = new RunStatistics();
        for (var second = 0; second < 30; second++)
        {
            for (var i = 0; i < 10; i++)
            {
                var outcome = second is >= 10 and < 16 ? Outcome.Shed : i == 0 ? Outcome.Rejected : Outcome.CountRight;
                var label = outcome switch { Outcome.Shed => "503 overloaded", Outcome.Rejected => "422 image-too-large", _ => "200" };
                statistics.RecordSent();
                statistics.RecordCompleted(i == 0 ? "hostile/pixel-flood-png" : "legit/png", "x", i != 0, new(outcome, label), TimeSpan.FromMilliseconds(5 + second), TimeSpan.FromSeconds(second + 0.1 * i));
            }
        }

        var usage = Enumerable.Range(0, 30).Select(s => new ResourceSample(s, (30 + (s % 7)) * 1048576.0)).ToList();
        var cgroup = new CgroupWatch("/sys/fs/cgroup/memory/backend1", 50 << 20, 38 << 20, 0, 0, usage, null);
        return LoadRun.BuildReport(options, scenario, DateTimeOffset.UtcNow, statistics.Snapshot(), ([cgroup], []));
    }
}
