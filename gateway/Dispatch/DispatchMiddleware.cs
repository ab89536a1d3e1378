using System.Diagnostics;
using ImageGateway.Common.Observability;
using ImageGateway.Common.Problems;
using ImageGateway.Gateway.Buffering;
using ImageGateway.Gateway.Inspection;
using ImageGateway.Gateway.Observability;
using ImageGateway.Gateway.Server;
using Microsoft.Extensions.Options;
using Yarp.ReverseProxy.Model;

namespace ImageGateway.Gateway.Dispatch;

/// <summary>
/// In the proxy pipeline, before load balancing: reserves an inspected upload's decode cost on a
/// destination with room (<see cref="DispatchScheduler"/>), waiting in the dispatch queue within its
/// bound, and holds the reservation until the response is complete. A shed upload gets 503
/// <c>overloaded</c> with a <c>Retry-After</c> from the drain rate; a client over its share 429.
/// Requests the inspection did not weigh (other routes) pass untouched.
/// </summary>
internal sealed class DispatchMiddleware(
    RequestDelegate next,
    DispatchScheduler scheduler,
    DispatchMetrics dispatchMetrics,
    DispatchRefusals refusals,
    IOptions<DispatchOptions> options)
{
    private readonly DispatchOptions _options = options.Value;

    public Task InvokeAsync(HttpContext context)
    {
        var upload = context.Features.Get<InspectedUpload>();
        return upload is null ? next(context) : DispatchAsync(context, upload);
    }

    private async Task DispatchAsync(HttpContext context, InspectedUpload upload)
    {
        var cluster = context.GetReverseProxyFeature().Route.Cluster!;
        var cost = upload.BodyBytes + upload.DecodeBytes;
        var clientKey = _options.ClientShare > 0 ? ClientKeys.Of(context, _options.ClientKeyHeader) : null;
        var started = Stopwatch.GetTimestamp();
        DispatchDecision decision;
        using (var activity = GatewayActivities.Source.StartActivity("dispatch.wait"))
        {
            activity?.SetTag(TelemetryAttributes.DispatchCost, cost);
            try
            {
                decision = await scheduler.ReserveAsync(cost, cluster, clientKey, exclude: null, context.RequestAborted);
            }
            catch (OperationCanceledException) when (context.RequestAborted.IsCancellationRequested)
            {
                activity?.SetStatus(ActivityStatusCode.Error, "client aborted");
                return; // the client went away while waiting
            }

            if (activity is not null && decision.Reservation is null && !ReferenceEquals(decision, DispatchDecision.NoDestination))
            {
                var reason = decision.ShareBytes is null ? decision.ShedReason! : "client-over-quota";
                activity.SetTag(TelemetryAttributes.ErrorType, reason);
                activity.SetStatus(ActivityStatusCode.Error, reason);
            }
        }

        if (decision.Reservation is { } reservation)
        {
            dispatchMetrics.Dispatched(cost, Stopwatch.GetElapsedTime(started));
            var feature = new DispatchFeature(reservation, cost, clientKey) { CanRetry = context.Features.Get<BufferedUpload>() is not null };
            context.Features.Set(feature);
            try
            {
                await next(context);
            }
            finally
            {
                feature.Reservation.Dispose();
            }

            return;
        }

        if (ReferenceEquals(decision, DispatchDecision.NoDestination))
        {
            await next(context); // YARP finds no destination; the forwarder's problem middleware answers
            return;
        }

        if (decision.ShareBytes is { } share)
        {
            await refusals.RefuseOverShareAsync(context, upload, clientKey!, cost, share, decision.RetryAfter);
            return;
        }

        await refusals.ShedAsync(context, upload.Facts.Format, decision, cost, cluster);
    }
}

internal static partial class DispatchLog
{
    [LoggerMessage(EventId = 300, Level = LogLevel.Information,
        Message = "Dispatch: uploads wait at most {MaxQueueWaitSeconds} s for capacity; {UnreportedUploads} at a time to a destination that has not reported; client share {ClientShare}")]
    public static partial void Settings(ILogger logger, double maxQueueWaitSeconds, int unreportedUploads, double clientShare);

    [LoggerMessage(EventId = 301, Level = LogLevel.Warning,
        Message = "Shed an upload ({Reason}): cost {Cost} bytes, wait {WaitMilliseconds} ms, {QueuedBytes} bytes queued, capacity {CapacityBytes} bytes; Retry-After {RetryAfterSeconds} s ({SuppressedBefore} more were not logged since the last line)")]
    public static partial void Shed(ILogger logger, string reason, long cost, double waitMilliseconds, long queuedBytes, long capacityBytes, double retryAfterSeconds, long suppressedBefore);

    [LoggerMessage(EventId = 302, Level = LogLevel.Information,
        Message = "Client {ClientKey} over its share: upload needs {Cost} bytes, the share is {ShareBytes} ({SuppressedBefore} more were not logged since the last line)")]
    public static partial void ClientOverShare(ILogger logger, string clientKey, long cost, long shareBytes, long suppressedBefore);

    [LoggerMessage(EventId = 303, Level = LogLevel.Information,
        Message = "Destination {Destination} answered 503 overloaded; retrying the buffered upload once on another destination")]
    public static partial void Retrying(ILogger logger, string destination);

    [LoggerMessage(EventId = 304, Level = LogLevel.Debug,
        Message = "Load report from {Destination} does not parse ({Reason}): {Value}")]
    public static partial void BadReport(ILogger logger, string destination, string reason, string value);
}
