using Yarp.ReverseProxy.LoadBalancing;
using Yarp.ReverseProxy.Model;

namespace ImageGateway.Gateway.Dispatch;

/// <summary>
/// <c>"LoadBalancingPolicy": "FreeBudget"</c>: sends an upload to the destination the
/// <see cref="DispatchScheduler"/> reserved its cost on, so admission and routing are one decision.
/// A request without a reservation (a route that is not inspected) goes to the available destination
/// with the most free bytes of two picked at random.
/// </summary>
internal sealed class FreeBudgetLoadBalancingPolicy(DispatchScheduler scheduler) : ILoadBalancingPolicy
{
    public const string PolicyName = "FreeBudget";

    public string Name => PolicyName;

    public DestinationState? PickDestination(HttpContext context, ClusterState cluster, IReadOnlyList<DestinationState> availableDestinations)
    {
        if (context.Features.Get<DispatchFeature>() is { } dispatch)
        {
            foreach (var destination in availableDestinations)
            {
                if (ReferenceEquals(destination, dispatch.Reservation.Destination))
                {
                    return destination;
                }
            }
        }

        if (availableDestinations.Count == 0)
        {
            return null;
        }

        var a = availableDestinations[Random.Shared.Next(availableDestinations.Count)];
        var b = availableDestinations[Random.Shared.Next(availableDestinations.Count)];
        return scheduler.Describe(a).FreeBytes >= scheduler.Describe(b).FreeBytes ? a : b;
    }
}
