using ImageGateway.Common.Problems;
using ImageGateway.Gateway.Buffering;
using ImageGateway.Gateway.Inspection;
using Yarp.ReverseProxy.Model;

namespace ImageGateway.Gateway.Dispatch;

/// <summary>
/// In the proxy pipeline, after load balancing: keeps the reservation on the destination the request
/// really goes to (a policy other than <c>FreeBudget</c> may pick another), and sends a buffered upload
/// once more, to another destination, when the first answered 503 <c>overloaded</c> (a backend that
/// filled up since its last report). Only that answer is retried, never a 4xx or another failure.
/// </summary>
internal sealed class DestinationFollowMiddleware(RequestDelegate next, DispatchScheduler scheduler, DispatchMetrics metrics, DispatchRefusals refusals, ILogger<DestinationFollowMiddleware> logger)
{
    public Task InvokeAsync(HttpContext context)
    {
        var dispatch = context.Features.Get<DispatchFeature>();
        if (dispatch is null)
        {
            return next(context);
        }

        var proxy = context.GetReverseProxyFeature();
        if (proxy.AvailableDestinations is [var chosen])
        {
            scheduler.Move(dispatch.Reservation, chosen);
        }

        return dispatch.CanRetry ? ForwardWithRetryAsync(context, dispatch) : next(context);
    }

    private async Task ForwardWithRetryAsync(HttpContext context, DispatchFeature dispatch)
    {
        await next(context);
        if (!dispatch.RetryRequested || context.Response.HasStarted)
        {
            return;
        }

        dispatch.CanRetry = false;
        dispatch.RetryRequested = false;
        var full = dispatch.Reservation.Destination;
        DispatchLog.Retrying(logger, full.DestinationId);
        metrics.Retried();
        dispatch.Reservation.Dispose();
        context.Response.Clear();
        var proxy = context.GetReverseProxyFeature();
        var cluster = proxy.Route.Cluster!;
        DispatchDecision decision;
        try
        {
            decision = await scheduler.ReserveAsync(dispatch.Cost, cluster, dispatch.ClientKey, exclude: full, context.RequestAborted);
        }
        catch (OperationCanceledException) when (context.RequestAborted.IsCancellationRequested)
        {
            return;
        }

        if (decision.Reservation is not { } reservation)
        {
            var shed = decision.ShedReason is null
                ? DispatchDecision.Shed(DispatchDecision.TimedOutReason, TimeSpan.Zero, TimeSpan.FromSeconds(1))
                : decision;
            await refusals.ShedAsync(context, context.Features.Get<InspectedUpload>()?.Facts.Format, shed, dispatch.Cost, cluster);
            return;
        }

        dispatch.Reservation = reservation;
        proxy.AvailableDestinations = reservation.Destination;
        context.Features.Get<BufferedUpload>()!.Rewind();
        await next(context);
    }
}
