using ImageGateway.Gateway.Dispatch;
using ImageGateway.Gateway.Tests.Infrastructure;
using Yarp.ReverseProxy;

namespace ImageGateway.Gateway.Tests.Dispatch;

/// <summary>
/// Destinations come and go while the gateway runs (a config reload here; in Kubernetes the DNS
/// resolver's refresh does the same to the cluster): capacity follows within seconds, from each new
/// destination's first load report (its first health probe).
/// </summary>
public sealed class CapacityFollowsDestinationsTests
{
    private static readonly TimeSpan Within = TimeSpan.FromSeconds(10);

    [Fact]
    public async Task Capacity_DestinationAddedThenRemoved_RisesThenFallsWithinSeconds()
    {
        await using var first = await RecordingBackend.StartAsync();
        await using var second = await RecordingBackend.StartAsync();
        first.ReportedBudgetBytes = 1L << 20;
        second.ReportedBudgetBytes = 2L << 20;
        var destinations = new DestinationsSource();
        destinations.Set(new Dictionary<string, Uri> { ["first"] = first.BaseAddress });
        using var gateway = GatewayFactory.Start([], destinations: destinations);
        var scheduler = gateway.Services.GetRequiredService<DispatchScheduler>();
        var proxy = gateway.Services.GetRequiredService<IProxyStateLookup>();
        long Capacity() => proxy.TryGetCluster("backends", out var cluster)
            ? scheduler.Capacity(cluster.DestinationsState.AvailableDestinations).Capacity
            : 0;

        await EventuallyAsync(() => Capacity() == 1L << 20, "the first destination's budget");

        destinations.Set(new Dictionary<string, Uri> { ["first"] = first.BaseAddress, ["second"] = second.BaseAddress });
        await EventuallyAsync(() => Capacity() == 3L << 20, "both destinations' budgets after one was added");

        destinations.Set(new Dictionary<string, Uri> { ["second"] = second.BaseAddress });
        await EventuallyAsync(() => Capacity() == 2L << 20, "the remaining destination's budget after one was removed");
    }

    private static async Task EventuallyAsync(Func<bool> condition, string what)
    {
        var deadline = DateTime.UtcNow + Within;
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < deadline, $"capacity did not become {what} within {Within.TotalSeconds} s");
            await Task.Delay(100);
        }
    }
}
