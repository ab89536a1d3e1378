using System.Globalization;
using System.Text.Json;
using System.Text;
using ImageGateway.LoadRunner.Classification;
using ImageGateway.LoadRunner.Cli;
using ImageGateway.LoadRunner.Load;
using ImageGateway.LoadRunner.Payloads;
using ImageGateway.LoadRunner.Statistics;
using ImageGateway.TestSupport.Load;
using ScottPlot;

namespace ImageGateway.LoadRunner.Overload;

/// <summary>
/// The <c>overload</c> scenario: closed-model clients stepped up (<c>--steps</c>), each step for
/// <c>--step-duration</c>, honouring <c>Retry-After</c> or not (<c>--retry-after</c>). Per step:
/// goodput (right counts a second), shed (503/429 with <c>Retry-After</c>) a second, failures, and the
/// latency of the counted requests. Writes <c>overload.md</c>, <c>overload.json</c> and
/// <c>overload.png</c> to the report folder; fails (exit 1) on a wrong count or a lost request.
/// </summary>
public static class OverloadRun
{
    public static async Task<int> ExecuteAsync(RunOptions options, IReadOnlyList<Payload> legit, CancellationToken stop)
    {
        if (await LoadRun.ProbeAsync(options.Target) is { } unreachable)
        {
            await Console.Error.WriteLineAsync($"loadrunner: {options.Target} is not ready: {unreachable}");
            return RunCommand.ExitUsage;
        }

        var honour = options.HonourRetryAfter ? "honoured" : "ignored";
        Console.WriteLine($"loadrunner: overload against {options.Target}: clients {string.Join(", ", options.Steps)}, {options.StepDuration.TotalSeconds:0.#} s each, Retry-After {honour}, {legit.Count} payloads");
        using var sender = new UploadSender(options.Target, options.Timeout, expectContinueAbove: LoadRun.ExpectContinueAbove);
        var mix = new PayloadMix(legit, [], 0);
        var steps = new List<OverloadStep>();
        var failed = false;
        foreach (var clients in options.Steps)
        {
            if (stop.IsCancellationRequested)
            {
                break;
            }

            var statistics = new RunStatistics();
            var client = new LoadClient(sender, options.MaxInFlight, options.Seed, options.HonourRetryAfter);
            await ClassifyingRecorder.RunAsync(client, mix, statistics, [new Phase($"{clients} clients", options.StepDuration, LoadModel.Closed, 0, clients)], stop);
            var snapshot = statistics.Snapshot();
            var step = OverloadStep.From(clients, options.StepDuration, snapshot);
            steps.Add(step);
            failed |= snapshot.Count(Outcome.CountWrong) > 0 || snapshot.Lost > 0;
            Console.WriteLine(step.Line());
        }

        Directory.CreateDirectory(options.ReportFolder);
        var title = $"Overload, Retry-After {honour} ({DateTimeOffset.UtcNow:yyyy-MM-dd HH:mm} UTC)";
        await File.WriteAllTextAsync(Path.Combine(options.ReportFolder, "overload.md"), Markdown(title, options, steps));
        await File.WriteAllTextAsync(Path.Combine(options.ReportFolder, "overload.json"),
            JsonSerializer.Serialize(steps, OverloadJsonContext.Default.ListOverloadStep));
        Chart(title, steps, Path.Combine(options.ReportFolder, "overload.png"));
        Console.WriteLine($"loadrunner: report in {options.ReportFolder} (overload.md, overload.json, overload.png)");
        return failed ? RunCommand.ExitFailed : RunCommand.ExitPassed;
    }

    private static string Markdown(string title, RunOptions options, IReadOnlyList<OverloadStep> steps)
    {
        var text = new StringBuilder();
        text.AppendLine(CultureInfo.InvariantCulture, $"# {title}").AppendLine()
            .AppendLine(CultureInfo.InvariantCulture, $"`{options.CommandLine}`").AppendLine()
            .AppendLine("| clients | counted/s | shed/s | failed/s | p50 counted (ms) | p99 counted (ms) | sent |")
            .AppendLine("|---|---|---|---|---|---|---|");
        foreach (var s in steps)
        {
            text.AppendLine(CultureInfo.InvariantCulture, $"| {s.Clients} | {s.CountedPerSecond:0.0} | {s.ShedPerSecond:0.0} | {s.FailedPerSecond:0.0} | {s.P50Milliseconds:0} | {s.P99Milliseconds:0} | {s.Sent} |");
        }

        var best = steps.Where(s => s.Clients <= 16).Select(s => s.CountedPerSecond).DefaultIfEmpty(0).Max();
        text.AppendLine().AppendLine(CultureInfo.InvariantCulture, $"Best goodput at <= 16 clients: {best:0.0}/s. ")
            .AppendLine(string.Join("; ", steps.Where(s => s.Clients > 16).Select(s => string.Create(CultureInfo.InvariantCulture, $"{s.Clients} clients: {(best > 0 ? s.CountedPerSecond / best : 0):0.00} x"))))
            .AppendLine().AppendLine("![goodput, shed and latency per step](overload.png)");
        return text.ToString();
    }

    private static void Chart(string title, IReadOnlyList<OverloadStep> steps, string file)
    {
        var plot = new Plot();
        plot.Title(title);
        plot.XLabel("clients (closed model)");
        plot.YLabel("per second");
        var xs = steps.Select(s => (double)s.Clients).ToArray();
        var counted = plot.Add.Scatter(xs, steps.Select(s => s.CountedPerSecond).ToArray(), Reporting.ChartRenderer.CountedColor);
        counted.LegendText = "counted/s";
        var shed = plot.Add.Scatter(xs, steps.Select(s => s.ShedPerSecond).ToArray(), Reporting.ChartRenderer.ShedColor);
        shed.LegendText = "shed/s";
        var p99 = plot.Add.Scatter(xs, steps.Select(s => s.P99Milliseconds).ToArray(), Colors.SteelBlue);
        p99.LegendText = "p99 counted (ms, right)";
        p99.Axes.YAxis = plot.Axes.Right;
        plot.Axes.Right.Label.Text = "ms";
        plot.ShowLegend(Edge.Bottom);
        plot.SavePng(file, 900, 460);
    }
}

/// <summary>One step of the overload scenario.</summary>
public sealed record OverloadStep(int Clients, double Seconds, long Sent, long Counted, long Shed, long Failed, double CountedPerSecond, double ShedPerSecond, double FailedPerSecond, double P50Milliseconds, double P99Milliseconds)
{
    public static OverloadStep From(int clients, TimeSpan duration, StatisticsSnapshot snapshot)
    {
        var seconds = duration.TotalSeconds;
        var counted = snapshot.Count(Outcome.CountRight);
        var shed = snapshot.Count(Outcome.Shed);
        var failed = snapshot.Failures;
        var latency = snapshot.LatencyByOutcome.GetValueOrDefault(Outcome.CountRight);
        return new OverloadStep(clients, seconds, snapshot.Sent, counted, shed, failed, counted / seconds, shed / seconds, failed / seconds,
            latency?.P50 ?? double.NaN, latency?.P99 ?? double.NaN);
    }

    public string Line() => string.Create(CultureInfo.InvariantCulture,
        $"  {Clients,4} clients: counted {CountedPerSecond,7:0.0}/s  shed {ShedPerSecond,7:0.0}/s  failed {FailedPerSecond,6:0.0}/s  p50 {P50Milliseconds,6:0} ms  p99 {P99Milliseconds,6:0} ms");
}

[System.Text.Json.Serialization.JsonSerializable(typeof(List<OverloadStep>))]
internal sealed partial class OverloadJsonContext : System.Text.Json.Serialization.JsonSerializerContext;
