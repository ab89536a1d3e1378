using ImageGateway.LoadRunner.Classification;
using ImageGateway.LoadRunner.Cli;
using ImageGateway.LoadRunner.Load;
using ImageGateway.LoadRunner.Overload;
using ImageGateway.LoadRunner.Payloads;
using ImageGateway.LoadRunner.Reporting;
using ImageGateway.LoadRunner.Sampling;
using ImageGateway.LoadRunner.Scenarios;
using ImageGateway.LoadRunner.Statistics;
using ImageGateway.LoadRunner.Verdicts;
using ImageGateway.TestSupport.Load;

namespace ImageGateway.LoadRunner;

/// <summary>
/// One run end to end: build the payloads and scenario, check the target answers, drive the load while
/// sampling resources and showing progress, then judge the run and write the report.
/// </summary>
public static class LoadRun
{
    /// <summary>Bodies larger than this ask first (<c>Expect: 100-continue</c>), as curl does, so a server can refuse them (413) before they are sent.</summary>
    public const long ExpectContinueAbove = 1024 * 1024;

    public static async Task<int> ExecuteAsync(RunOptions options, CancellationToken stop)
    {
        var legit = new List<Payload>(LegitImages.Create());
        if (options.Corpus is { } corpus)
        {
            legit.AddRange(CorpusImages.Load(corpus));
        }

        if (options.Images.Count > 0)
        {
            legit = [.. options.Images.Select(ImageFilePayloads.Load)];
        }

        if (options.Scenario.Scenario == "overload")
        {
            return await OverloadRun.ExecuteAsync(options, legit, stop);
        }

        var scenario = ScenarioCatalog.Create(options.Scenario, legit, HostileInputs.Create(options.OversizeBytes, options.Seed));
        if (await ProbeAsync(options.Target) is { } unreachable)
        {
            await Console.Error.WriteLineAsync($"loadrunner: {options.Target} is not ready: {unreachable}");
            return RunCommand.ExitUsage;
        }

        Console.WriteLine($"loadrunner: {scenario.Name} against {options.Target}: {string.Join("; ", scenario.Phases.Select(p => p.Describe()))}");
        var startedAt = DateTimeOffset.UtcNow;
        var statistics = new RunStatistics();
        using var sender = new UploadSender(options.Target, options.Timeout, expectContinueAbove: ExpectContinueAbove);
        using var sampler = new ResourceSampler(options.MetricsUrls, options.Cgroups, options.SampleInterval, options.MetricFilter);
        using var sampling = new CancellationTokenSource();
        var samplerTask = sampler.RunAsync(sampling.Token);

        var client = new LoadClient(sender, options.MaxInFlight, options.Seed, options.HonourRetryAfter);
        var run = ClassifyingRecorder.RunAsync(client, scenario.Mix, statistics, scenario.Phases, stop);
        await new LiveProgress(client, statistics, sampler, scenario.MeasuredDuration, options.Live).ShowUntilAsync(run);
        await run;
        await sampling.CancelAsync();
        await samplerTask;

        if (client.LastError is { } bug)
        {
            await Console.Error.WriteLineAsync($"loadrunner: a request was lost to a runner error: {bug}");
        }

        var report = BuildReport(options, scenario, startedAt, statistics.Snapshot(), sampler.Results());
        var files = ReportWriter.Write(report, options.ReportFolder);
        ConsoleSummary.Write(report, files);
        return report.Passed ? RunCommand.ExitPassed : RunCommand.ExitFailed;
    }

    public static RunReport BuildReport(
        RunOptions options,
        Scenario scenario,
        DateTimeOffset startedAt,
        StatisticsSnapshot stats,
        (IReadOnlyList<CgroupWatch> Cgroups, IReadOnlyList<MetricsWatch> Metrics) resources)
    {
        var timeline = scenario.MeasuredTimeline();
        var recovery = timeline.Where(t => t.Phase.Name == "recovery").Select(t => ((TimeSpan, TimeSpan)?)(t.Start, t.Phase.Duration)).FirstOrDefault();
        var checks = VerdictEvaluator.Evaluate(stats, resources.Cgroups, options.Thresholds, recovery);
        return new RunReport(
            scenario.Name,
            scenario.Description,
            options.Target.ToString(),
            startedAt,
            scenario.Phases.Where(p => !p.Counted).Sum(p => p.Duration.TotalSeconds),
            scenario.MeasuredDuration.TotalSeconds,
            options.CommandLine,
            timeline.Select(t => new PhaseReport(t.Phase.Name, t.Phase.Model.ToString().ToLowerInvariant(), t.Phase.Rate, t.Phase.VirtualUsers, t.Start.TotalSeconds, t.Phase.Duration.TotalSeconds, t.Phase.RampTo)).ToList(),
            new TotalsReport(stats.Sent, stats.Completed, stats.Lost, stats.Failures, stats.ErrorRate, stats.Outcomes.ToDictionary(o => o.Key.Name(), o => o.Value)),
            stats.StatusMix,
            stats.ByKind.ToDictionary(k => k.Key, k => k.Value.ToDictionary(o => o.Key.Name(), o => o.Value)),
            stats.Latency,
            stats.LegitLatency,
            stats.LatencyByOutcome.ToDictionary(l => l.Key.Name(), l => l.Value),
            stats.Seconds,
            stats.FailureExamples,
            resources.Cgroups,
            resources.Metrics,
            checks);
    }

    /// <summary>Null when <c>/health/ready</c> answers 200 within five seconds, else why not.</summary>
    internal static async Task<string?> ProbeAsync(Uri target)
    {
        using var client = new HttpClient(new SocketsHttpHandler { UseProxy = false }) { Timeout = TimeSpan.FromSeconds(5) };
        try
        {
            using var response = await client.GetAsync(new Uri(target, "/health/ready"));
            return response.IsSuccessStatusCode ? null : $"/health/ready answered {(int)response.StatusCode}";
        }
        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException)
        {
            return ex.Message;
        }
    }
}
