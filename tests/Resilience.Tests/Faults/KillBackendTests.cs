using ImageGateway.Resilience.Tests.Support;
using ImageGateway.TestSupport.Load;

namespace ImageGateway.Resilience.Tests.Faults;

public sealed class KillBackendTests(ITestOutputHelper output)
{
    /// <summary>
    /// How soon after a kill the gateway must stop routing to the dead backend: passive checks mark it
    /// after a handful of transport failures, active checks (every 2 s, 2 failures) at the latest.
    /// </summary>
    private static readonly TimeSpan RoutingAround = TimeSpan.FromSeconds(5);

    /// <summary>A restarted backend should be back in rotation after an active check or two (every 2 s).</summary>
    private static readonly TimeSpan Rejoin = TimeSpan.FromSeconds(6);

    [Fact]
    public async Task Kill9OneBackendUnderLoad_EveryUploadAnswered_502sOnlyBriefly_TheOtherServesTheRest()
    {
        await using var stack = await ResilientStack.StartAsync(output);
        await using var load = BackgroundLoad.Start(stack.Gateway.BaseAddress, Uploads.SmallPng);

        await Task.Delay(TimeSpan.FromSeconds(2));
        var killedAt = load.Elapsed;
        stack.Backends[0].Kill();
        await Task.Delay(RoutingAround + TimeSpan.FromSeconds(3));
        var outcomes = await load.StopAsync();

        var failures = outcomes.Where(o => o.Status != 200).ToList();
        output.WriteLine($"{outcomes.Count} uploads; kill -9 at +{killedAt.TotalSeconds:F1}s; {failures.Count} not 200, {Window(failures, killedAt)}");
        Assert.All(outcomes, o => Assert.True(o.Answered, $"an upload got no answer: {o}"));
        Assert.All(failures, f => Assert.True(f.Status is 502 or 503, $"not a 502/503: {f}"));
        Assert.All(failures, f => Assert.True(f.Start >= killedAt - TimeSpan.FromSeconds(1) && f.Start <= killedAt + RoutingAround,
            $"a failure outside the {RoutingAround.TotalSeconds} s after the kill: {f}{Environment.NewLine}{Uploads.Describe(failures)}"));
        Assert.True(outcomes.Count(o => o.Start > killedAt + RoutingAround && o.Status == 200) > 20, "the surviving backend served too little");
    }

    [Fact]
    public async Task Kill9Backend_WhenRestarted_RejoinsWithinSeconds()
    {
        await using var stack = await ResilientStack.StartAsync(output);
        await using var load = BackgroundLoad.Start(stack.Gateway.BaseAddress, Uploads.SmallPng);

        await Task.Delay(TimeSpan.FromSeconds(2));
        stack.Backends[0].Kill();
        await Task.Delay(RoutingAround);
        await stack.RestartBackendAsync(0);
        await Task.Delay(Rejoin);

        // Proof that it rejoined: with the other backend killed, the restarted one serves everything.
        var otherKilledAt = load.Elapsed;
        stack.Backends[1].Kill();
        await Task.Delay(RoutingAround + TimeSpan.FromSeconds(3));
        var outcomes = await load.StopAsync();

        var failures = outcomes.Where(o => o.Status != 200 && o.Start > otherKilledAt).ToList();
        output.WriteLine($"{outcomes.Count} uploads; after the second kill {failures.Count} not 200, {Window(failures, otherKilledAt)}");
        Assert.All(failures, f => Assert.True(f.Start <= otherKilledAt + RoutingAround,
            $"the restarted backend did not take over: {f}{Environment.NewLine}{Uploads.Describe(failures)}"));
        Assert.True(outcomes.Count(o => o.Start > otherKilledAt + RoutingAround && o.Status == 200) > 20, "the restarted backend served too little");
    }

    private static string Window(List<UploadOutcome> failures, TimeSpan from) =>
        failures.Count == 0 ? "none" : $"the last {(failures.Max(f => f.Start) - from).TotalSeconds:F2} s after the kill";
}
