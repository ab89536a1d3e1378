using ImageGateway.LoadRunner.Classification;
using ImageGateway.LoadRunner.Sampling;
using ImageGateway.LoadRunner.Statistics;
using ImageGateway.LoadRunner.Verdicts;

namespace ImageGateway.LoadRunner.Tests.Verdicts;

public sealed class VerdictEvaluatorTests
{
    [Fact]
    public void Evaluate_CleanRun_EveryCheckPasses()
    {
        var stats = Record((Outcome.CountRight, 95), (Outcome.Rejected, 5));

        var checks = VerdictEvaluator.Evaluate(stats, [], new Thresholds { MaxP99 = TimeSpan.FromSeconds(1) });

        Assert.All(checks, c => Assert.True(c.Passed, c.Name));
        Assert.Contains(checks, c => c.Name == "p99 latency (legit)");
    }

    [Fact]
    public void Evaluate_ErrorRateAboveLimit_Fails()
    {
        var stats = Record((Outcome.CountRight, 97), (Outcome.Timeout, 2), (Outcome.ServerError, 1));

        Assert.False(Find(VerdictEvaluator.Evaluate(stats, [], new Thresholds { MaxErrorRate = 0.02 }), "error rate").Passed);
        Assert.True(Find(VerdictEvaluator.Evaluate(stats, [], new Thresholds { MaxErrorRate = 0.03 }), "error rate").Passed);
    }

    [Fact]
    public void Evaluate_OneWrongCount_FailsEvenWithinErrorRate()
    {
        var stats = Record((Outcome.CountRight, 999), (Outcome.CountWrong, 1));

        var checks = VerdictEvaluator.Evaluate(stats, [], new Thresholds { MaxErrorRate = 0.5 });

        Assert.False(Find(checks, "no wrong count").Passed);
        Assert.True(Find(checks, "error rate").Passed);
    }

    [Fact]
    public void Evaluate_SentButNotClassified_FailsNoRequestLost()
    {
        var statistics = new RunStatistics();
        statistics.RecordSent();
        statistics.RecordSent();
        statistics.RecordCompleted("legit/png", "a", legit: true, new(Outcome.CountRight, "200"), TimeSpan.FromMilliseconds(5), TimeSpan.Zero);

        var check = Find(VerdictEvaluator.Evaluate(statistics.Snapshot(), [], new Thresholds()), "no request lost");

        Assert.False(check.Passed);
        Assert.Contains("1 lost", check.Actual, StringComparison.Ordinal);
    }

    [Fact]
    public void Evaluate_SheddingIsNotAnError_ButHasItsOwnLimit()
    {
        var stats = Record((Outcome.CountRight, 50), (Outcome.Shed, 50));

        var checks = VerdictEvaluator.Evaluate(stats, [], new Thresholds { MaxShedRate = 0.25 });

        Assert.True(Find(checks, "error rate").Passed);
        Assert.False(Find(checks, "shed rate").Passed);
    }

    [Fact]
    public void Evaluate_P99AboveLimit_Fails()
    {
        var stats = Record((Outcome.CountRight, 100), latency: TimeSpan.FromMilliseconds(250));

        Assert.False(Find(VerdictEvaluator.Evaluate(stats, [], new Thresholds { MaxP99 = TimeSpan.FromMilliseconds(200) }), "p99 latency (legit)").Passed);
        Assert.True(Find(VerdictEvaluator.Evaluate(stats, [], new Thresholds { MaxP99 = TimeSpan.FromMilliseconds(300) }), "p99 latency (legit)").Passed);
    }

    [Fact]
    public void Evaluate_NoOom_KillDuringRunFails_KillBeforeRunDoesNot()
    {
        var stats = Record((Outcome.CountRight, 10));
        var before = Cgroup(oomAtStart: 3, oomAtEnd: 3);
        var during = Cgroup(oomAtStart: 3, oomAtEnd: 4);

        Assert.True(Find(VerdictEvaluator.Evaluate(stats, [before], new Thresholds { NoOom = true }), "no OOM kill").Passed);
        Assert.False(Find(VerdictEvaluator.Evaluate(stats, [before, during], new Thresholds { NoOom = true }), "no OOM kill").Passed);
    }

    [Fact]
    public void Evaluate_NoOomWithoutReadableCgroup_FailsAsNotMeasurable()
    {
        var check = Find(VerdictEvaluator.Evaluate(Record((Outcome.CountRight, 10)), [], new Thresholds { NoOom = true }), "no OOM kill");

        Assert.False(check.Passed);
        Assert.Contains("not measurable", check.Actual, StringComparison.Ordinal);
    }

    [Fact]
    public void Recovery_ShedOnlyDuringSpike_Passes_ShedAtTheEnd_Fails()
    {
        var statistics = new RunStatistics();
        // Seconds 0-3 baseline, 4-5 spike (shed), 6-11 recovery; the check looks at seconds 9-11.
        for (var second = 0; second < 12; second++)
        {
            var shed = second is 4 or 5 || (second == 10);
            Record(statistics, shed ? Outcome.Shed : Outcome.CountRight, 10, TimeSpan.FromMilliseconds(5), TimeSpan.FromSeconds(second + 0.5));
        }

        var stats = statistics.Snapshot();
        Assert.False(VerdictEvaluator.Recovery(stats, TimeSpan.FromSeconds(6), TimeSpan.FromSeconds(6), 0.01).Passed);
        Assert.True(VerdictEvaluator.Recovery(stats, TimeSpan.FromSeconds(6), TimeSpan.FromSeconds(4), 0.01).Passed);
    }

    [Fact]
    public void Recovery_NoAnswersInWindow_Fails() =>
        Assert.False(VerdictEvaluator.Recovery(Record((Outcome.CountRight, 5)), TimeSpan.FromSeconds(10), TimeSpan.FromSeconds(10), 0.01).Passed);

    private static CgroupWatch Cgroup(long oomAtStart, long oomAtEnd) =>
        new("/sys/fs/cgroup/memory/x", 50 << 20, 40 << 20, oomAtStart, oomAtEnd, [new ResourceSample(0, 30 << 20)], null);

    private static Check Find(IReadOnlyList<Check> checks, string name) => Assert.Single(checks, c => c.Name == name);

    private static StatisticsSnapshot Record(params (Outcome Outcome, int Count)[] counts) => Record(counts[0], latency: TimeSpan.FromMilliseconds(5), counts);

    private static StatisticsSnapshot Record((Outcome Outcome, int Count) first, TimeSpan latency, params (Outcome Outcome, int Count)[] counts)
    {
        var statistics = new RunStatistics();
        foreach (var (outcome, count) in counts.Length > 0 ? counts : [first])
        {
            Record(statistics, outcome, count, latency, TimeSpan.Zero);
        }

        return statistics.Snapshot();
    }

    private static void Record(RunStatistics statistics, Outcome outcome, int count, TimeSpan latency, TimeSpan at)
    {
        for (var i = 0; i < count; i++)
        {
            statistics.RecordSent();
            statistics.RecordCompleted("legit/png", "a.png", legit: true, new(outcome, outcome.Name()), latency, at);
        }
    }
}
