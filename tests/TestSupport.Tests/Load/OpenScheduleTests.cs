using ImageGateway.TestSupport.Load;

namespace ImageGateway.TestSupport.Tests.Load;

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
    public void RampUp_FromZero_DueWhenTheArrivalsSoFarReachTheIndex()
    {
        // Rate t/s over 10 s (0 -> 10): N(t) = t^2 / 2 arrivals by t, so 50 in all and request i is due at sqrt(2i) s.
        var schedule = new OpenSchedule(0, TimeSpan.FromSeconds(10), endRate: 10);

        Assert.Equal(50, schedule.Count);
        Assert.Equal([0, 2000, 4000, 6000, 8000], new[] { 0, 2, 8, 18, 32 }.Select(i => schedule.IntendedOffset(i).TotalMilliseconds));
    }

    [Fact]
    public void RampDown_ToZero_SendsTheSameCountAsTheRampUp()
    {
        // 10 -> 0 over 10 s: N(t) = 10t - t^2 / 2, so 50 in all; request 32 is due where N(t) = 32, t = 10 - 6 = 4 s.
        var schedule = new OpenSchedule(10, TimeSpan.FromSeconds(10), endRate: 0);

        Assert.Equal(50, schedule.Count);
        Assert.Equal(4000, schedule.IntendedOffset(32).TotalMilliseconds, precision: 3);
        Assert.True(schedule.IntendedOffset(49) < schedule.Duration);
    }

    [Fact]
    public void Constructor_ZeroRate_Throws() =>
        Assert.Throws<ArgumentOutOfRangeException>(() => new OpenSchedule(0, TimeSpan.FromSeconds(1)));
}
