using ImageGateway.Gateway.Inspection;
using Yarp.ReverseProxy.Model;

namespace ImageGateway.Gateway.Dispatch;

/// <summary>
/// Before the inspection reads a byte: when even the cheapest upload would wait in the dispatch queue
/// longer than its bound, refuses at once (503 <c>overloaded</c>, <c>Connection: close</c>), so the
/// refusal costs a header parse and a small answer, and a client that sent
/// <c>Expect: 100-continue</c> never sends its body (Kestrel sends <c>100 Continue</c> only on the
/// first read of the body, and <see cref="DispatchRefusals"/> answers such a client without the shed
/// pause, before it gives up waiting). Runs after <c>UseContentHeaderChecks</c>: an upload its
/// headers already condemn gets its 4xx, not a 503 that invites a retry.
/// </summary>
internal sealed class ShedBeforePeekMiddleware(RequestDelegate next, DispatchScheduler scheduler, DispatchRefusals refusals)
{
    public Task InvokeAsync(HttpContext context)
    {
        if (!InspectionExtensions.IsInspectedRoute(context)
            || context.GetEndpoint()?.Metadata.GetMetadata<RouteModel>()?.Cluster is not { } cluster
            || scheduler.ShedBeforePeek(cluster.DestinationsState.AvailableDestinations) is not { } retryAfter)
        {
            return next(context);
        }

        return refusals.ShedAsync(context, format: null,
            DispatchDecision.Shed(DispatchDecision.BeforePeekReason, scheduler.ExpectedWaitForSmallest(cluster.DestinationsState.AvailableDestinations), retryAfter),
            cost: 0, cluster);
    }
}
