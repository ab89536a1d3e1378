using ImageGateway.LoadRunner.Sampling;
using ImageGateway.LoadRunner.Statistics;

namespace ImageGateway.LoadRunner.Reporting;

/// <summary>One measured second as charted: where it is drawn, how much of it was measured, and its answers.</summary>
public sealed record ChartSecond(double X, double Width, SecondSummary Answers);

/// <summary>
/// The data series behind the charts, kept apart from drawing so they can be tested. Every chart's
/// x-axis is seconds since measurement began (warm-up excluded).
/// </summary>
public static class ChartSeries
{
    /// <summary>
    /// The measured seconds: one per second of the measured run, a second with no answers included as
    /// zero. A last second only partly measured (a 2.5 s run's third) is drawn at the middle of its
    /// measured part and its counts are divided by that part, so it does not fall towards zero. Answers
    /// completed after measurement ended (requests still in flight at the end) count in the totals but
    /// are not a second of load, so they are not charted.
    /// </summary>
    public static IReadOnlyList<ChartSecond> Seconds(RunReport report)
    {
        var end = report.MeasuredSeconds;
        var seconds = new List<ChartSecond>();
        for (var i = 0; i < end; i++)
        {
            var width = Math.Min(1, end - i);
            if (width < 1e-6)
            {
                break;
            }

            var answers = i < report.Timeline.Count ? report.Timeline[i] : new SecondSummary(i, 0, 0, 0, 0, new LatencySummary(0, 0, 0, 0, 0, 0, 0));
            seconds.Add(new ChartSecond(i + (width / 2), width, answers));
        }

        return seconds;
    }

    /// <summary>A per-second rate of <paramref name="count"/> for each of <paramref name="seconds"/>.</summary>
    public static double[] Rate(IReadOnlyList<ChartSecond> seconds, Func<SecondSummary, long> count) =>
        [.. seconds.Select(s => count(s.Answers) / s.Width)];

    /// <summary>Answers counted right (200 with the right count): everything that was not a failure, shed or refused.</summary>
    public static long Counted(SecondSummary s) => s.Completed - s.Failures - s.Shed - s.Rejected;

    /// <summary>
    /// Resource samples on the measured clock: the sampler starts with the warm-up, so its seconds are
    /// shifted back by the warm-up and the warm-up's samples dropped, like every other chart.
    /// </summary>
    public static IReadOnlyList<ResourceSample> Measured(IReadOnlyList<ResourceSample> samples, double warmupSeconds) =>
        [.. samples.Select(s => s with { Second = s.Second - warmupSeconds }).Where(s => s.Second >= 0)];
}
