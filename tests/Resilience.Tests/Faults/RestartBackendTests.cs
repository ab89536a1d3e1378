using ImageGateway.Common.Hosting;
using ImageGateway.Resilience.Tests.Support;
using ImageGateway.TestSupport.Load;

namespace ImageGateway.Resilience.Tests.Faults;

public sealed class RestartBackendTests(ITestOutputHelper output)
{
    /// <summary>A restarted backend is back in rotation after one active check (every 2 s), with margin.</summary>
    private static readonly TimeSpan Rejoin = TimeSpan.FromSeconds(4);

    [Fact]
    public async Task BackendsRestartedOneAfterTheOtherUnderLoad_EveryUploadAnswered200()
    {
        await using var stack = await ResilientStack.StartAsync(output);
        await using var load = BackgroundLoad.Start(stack.Gateway.BaseAddress, Uploads.SmallPng);
        var bound = new GracefulShutdownOptions().Total + TimeSpan.FromSeconds(5);

        await Task.Delay(TimeSpan.FromSeconds(2));
        var firstStop = load.Elapsed;
        stack.Backends[0].Terminate();
        var firstExit = await stack.Backends[0].WaitForExitAsync(bound);
        var firstExited = load.Elapsed;
        await stack.RestartBackendAsync(0);
        await Task.Delay(Rejoin);

        // The second backend stops for good: from then on only the restarted one can answer.
        var secondStop = load.Elapsed;
        stack.Backends[1].Terminate();
        var secondExit = await stack.Backends[1].WaitForExitAsync(bound);
        var secondExited = load.Elapsed;
        await Task.Delay(TimeSpan.FromSeconds(2));
        var outcomes = await load.StopAsync();

        var notOk = outcomes.Where(o => o.Status != 200).ToList();
        output.WriteLine($"{outcomes.Count} uploads; backend1 SIGTERM at +{firstStop.TotalSeconds:F1}s, exited {firstExit} after {(firstExited - firstStop).TotalSeconds:F1} s, restarted; " +
            $"backend2 SIGTERM at +{secondStop.TotalSeconds:F1}s, exited {secondExit} after {(secondExited - secondStop).TotalSeconds:F1} s; {notOk.Count} not 200");
        Assert.Equal(0, firstExit);
        Assert.Equal(0, secondExit);
        Assert.True(notOk.Count == 0, $"{notOk.Count} of {outcomes.Count} uploads were not answered 200:{Environment.NewLine}{Uploads.Describe(notOk)}");
        Assert.True(outcomes.Count(o => o.Start > secondExited) > 20, "the restarted backend did not serve alone");
    }
}
