using ImageGateway.TestSupport.Load;

namespace ImageGateway.TestSupport.Tests.Load;

public sealed class PhaseTests
{
    [Fact]
    public void UserWindow_RampUp_StartsUserKWhenTheLevelPassesK()
    {
        // 0 -> 4 users over 8 s: the level is t / 2, so user k starts at 2k seconds and runs to the end.
        var phase = new Phase("ramp", TimeSpan.FromSeconds(8), LoadModel.Closed, 0, 0, RampTo: 4);

        Assert.Equal(4, phase.MaxUsers);
        Assert.Equal(
            [(0.0, 8.0), (2.0, 8.0), (4.0, 8.0), (6.0, 8.0)],
            Enumerable.Range(0, 4).Select(k => phase.UserWindow(k)!.Value).Select(w => (w.From.TotalSeconds, w.To.TotalSeconds)));
        Assert.Null(phase.UserWindow(4));
    }

    [Fact]
    public void UserWindow_RampDown_StopsTheHighestUsersFirst()
    {
        // 6 -> 2 users over 4 s: the level is 6 - t, so user k (k >= 2) stops at 6 - k seconds.
        var phase = new Phase("ramp", TimeSpan.FromSeconds(4), LoadModel.Closed, 0, 6, RampTo: 2);

        Assert.Equal(
            [4.0, 4.0, 4.0, 3.0, 2.0, 1.0],
            Enumerable.Range(0, 6).Select(k => phase.UserWindow(k)!.Value.To.TotalSeconds));
        Assert.All(Enumerable.Range(0, 6), k => Assert.Equal(TimeSpan.Zero, phase.UserWindow(k)!.Value.From));
    }

    [Fact]
    public void UserWindow_Constant_EveryUserForTheWholePhase()
    {
        var phase = new Phase("steady", TimeSpan.FromSeconds(3), LoadModel.Closed, 0, 2);

        Assert.Equal((TimeSpan.Zero, TimeSpan.FromSeconds(3)), phase.UserWindow(1));
        Assert.Null(phase.UserWindow(2));
    }

    [Fact]
    public void Describe_Ramp_ShowsBothLevels() =>
        Assert.Equal("stage 1: open, 10 -> 50 req/s for 30 s", new Phase("stage 1", TimeSpan.FromSeconds(30), LoadModel.Open, 10, 1, RampTo: 50).Describe());
}
