using ImageGateway.LoadRunner.Reporting;
using ImageGateway.LoadRunner.Sampling;
using ImageGateway.LoadRunner.Statistics;

namespace ImageGateway.LoadRunner.Tests.Reporting;

public sealed class ChartSeriesTests
{
    private static readonly LatencySummary NoLatency = new(0, 0, 0, 0, 0, 0, 0);

    [Fact]
    public void Seconds_PartlyMeasuredLastSecond_IsARateAtTheMiddleOfItsMeasuredPart()
    {
        // A 2.5 s run at a steady 10 answers/s: 10, 10, then 5 in the half second measured of the third.
        var report = Report(2.5, Second(0, 10), Second(1, 10), Second(2, 5));

        var seconds = ChartSeries.Seconds(report);

        Assert.Equal([0.5, 1.5, 2.25], seconds.Select(s => s.X));
        Assert.Equal([10.0, 10.0, 10.0], ChartSeries.Rate(seconds, s => s.Completed));
    }

    [Fact]
    public void Seconds_AnswersAfterMeasurementEnded_AreNotACharted()
    {
        // A 3 s run; second 3 holds only the answers to requests still in flight when it ended.
        var report = Report(3, Second(0, 40), Second(1, 42), Second(2, 41), Second(3, 2));

        var seconds = ChartSeries.Seconds(report);

        Assert.Equal([40.0, 42.0, 41.0], ChartSeries.Rate(seconds, s => s.Completed));
        Assert.True(seconds[^1].X < 3);
    }

    [Fact]
    public void Seconds_SecondWithoutAnswers_IsZeroNotMissing()
    {
        var report = Report(3, Second(0, 5));

        Assert.Equal([5.0, 0.0, 0.0], ChartSeries.Rate(ChartSeries.Seconds(report), s => s.Completed));
    }

    [Fact]
    public void Counted_IsWhatIsNeitherFailedShedNorRejected() =>
        Assert.Equal(4, ChartSeries.Counted(new SecondSummary(0, Completed: 10, Failures: 1, Shed: 2, Rejected: 3, NoLatency)));

    [Fact]
    public void Measured_MemorySamples_DropTheWarmupAndShiftToTheMeasuredClock()
    {
        ResourceSample[] samples = [new(0.2, 1), new(4.9, 2), new(5.0, 3), new(6.5, 4)];

        var measured = ChartSeries.Measured(samples, warmupSeconds: 5);

        Assert.Equal([new ResourceSample(0, 3), new ResourceSample(1.5, 4)], measured);
    }

    [Theory]
    [InlineData("422 image-too-large", "rejected")]
    [InlineData("415 not-an-image", "rejected")]
    [InlineData("503 overloaded", "shed")]
    [InlineData("429 client-over-quota", "shed")]
    [InlineData("200", "counted")]
    [InlineData("502 backend-failed", "failure")]
    public void ForStatus_RejectedAndShed_HaveTheirOwnColours(string label, string expected)
    {
        var colours = new Dictionary<string, ScottPlot.Color>
        {
            ["counted"] = ChartRenderer.CountedColor,
            ["rejected"] = ChartRenderer.RejectedColor,
            ["shed"] = ChartRenderer.ShedColor,
            ["failure"] = ChartRenderer.FailureColor,
        };

        Assert.Equal(4, colours.Values.Distinct().Count());
        Assert.Equal(colours[expected], ChartRenderer.ForStatus(label));
    }

    private static SecondSummary Second(int second, long completed) => new(second, completed, 0, 0, 0, NoLatency);

    private static RunReport Report(double measuredSeconds, params SecondSummary[] timeline)
    {
        var folder = Path.GetTempPath();
        return ReportWriterTests.SpikeReport(folder) with { MeasuredSeconds = measuredSeconds, Timeline = timeline };
    }
}
