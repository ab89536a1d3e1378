using ImageGateway.LoadRunner.Load;

namespace ImageGateway.LoadRunner.Tests.Load;

public sealed class OpenScheduleTests
{
    [Theory]
    [InlineData(20, 1.0, 20)]
    [InlineData(20, 0.5, 10)]
    [InlineData(3, 1.0, 3)]
    [InlineData(0.5, 10.0, 5)]
    [InlineData(1000, 0.25, 250)]
    public void Count_IsRateTimesDuration(double rate, double seconds, long expected) =>
        Assert.Equal(expected, new OpenSchedule(rate, TimeSpan.FromSeconds(seconds)).Count);

    [Fact]
    public void IntendedOffset_EvenlySpacedFromZero_IndependentOfAnswers()
    {
        var schedule = new OpenSchedule(rate: 4, TimeSpan.FromSeconds(2));

        var offsets = Enumerable.Range(0, (int)schedule.Count).Select(i => schedule.IntendedOffset(i).TotalMilliseconds).ToArray();

        Assert.Equal([0, 250, 500, 750, 1000, 1250, 1500, 1750], offsets);
    }

    [Fact]
    public void IntendedOffset_LastRequestIsDueBeforeTheEnd()
    {
        var schedule = new OpenSchedule(rate: 7, TimeSpan.FromSeconds(3));

        Assert.True(schedule.IntendedOffset(schedule.Count - 1) < schedule.Duration);
        Assert.Throws<ArgumentOutOfRangeException>(() => schedule.IntendedOffset(schedule.Count));
    }

    [Fact]
    public void Constructor_ZeroRate_Throws() =>
        Assert.Throws<ArgumentOutOfRangeException>(() => new OpenSchedule(0, TimeSpan.FromSeconds(1)));
}
