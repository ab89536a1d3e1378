using ImageGateway.Common.Observability;
using ImageGateway.Common.Problems;
using ImageGateway.Gateway.Buffering;
using ImageGateway.Gateway.Inspection;
using ImageGateway.Gateway.Server;
using Microsoft.Extensions.Options;
using Yarp.ReverseProxy.Model;

namespace ImageGateway.Gateway.Dispatch;

/// <summary>
/// The answers of dispatch refusals: 503 <c>overloaded</c> with a <c>Retry-After</c> from the drain
/// rate, 429 <c>client-over-quota</c>; with <c>Connection: close</c> when the body was not read, so
/// the unread rest is not drained.
/// </summary>
internal sealed class DispatchRefusals(
    DispatchScheduler scheduler,
    DispatchMetrics dispatchMetrics,
    RefusalLogSampler logSampler,
    IOptions<DispatchOptions> options,
    TimeProvider time,
    ILogger<DispatchRefusals> logger)
{
    private readonly DispatchOptions _options = options.Value;

    /// <summary>Answers 503 <c>overloaded</c> for an upload the scheduler shed (also used after a failed retry).</summary>
    public async Task ShedAsync(HttpContext context, string? format, DispatchDecision decision, long cost, ClusterState cluster)
    {
        var (capacity, free, _) = scheduler.Capacity(cluster.DestinationsState.AvailableDestinations);
        dispatchMetrics.Shed(decision.ShedReason!, format);
        if (logSampler.ShouldLog(decision.ShedReason!, out var suppressed))
        {
            DispatchLog.Shed(logger, decision.ShedReason!, cost, decision.Wait.TotalMilliseconds, scheduler.QueuedBytes, capacity, decision.RetryAfter.TotalSeconds, suppressed);
        }

        if (context.Features.Get<BufferedUpload>() is null)
        {
            context.Response.CloseConnectionAfterResponse(); // the body was not read: do not drain it
        }

        if (decision.ShedReason != DispatchDecision.TimedOutReason && _options.ShedPause > TimeSpan.Zero && !AwaitsContinue(context, decision))
        {
            try
            {
                await Task.Delay(_options.ShedPause, time, context.RequestAborted);
            }
            catch (OperationCanceledException)
            {
                return; // the client went away
            }
        }

        var detail = decision.ShedReason == DispatchDecision.TimedOutReason
            ? $"No destination had room for this upload ({cost} bytes of decode cost) within the dispatch queue's bound of {_options.MaxQueueWait.TotalSeconds:0.###} s; capacity is {capacity} bytes, {free} free."
            : $"This upload ({cost} bytes of decode cost) would wait about {decision.Wait.TotalSeconds:0.###} s for capacity, over the dispatch queue's bound of {_options.MaxQueueWait.TotalSeconds:0.###} s; capacity is {capacity} bytes, {scheduler.QueuedBytes} bytes queued.";
        await ProblemResults.WriteAsync(context, ProblemTypes.Overloaded, detail + " Retry after the indicated delay.", decision.RetryAfter);
    }

    /// <summary>
    /// True for an upload shed before its body was read whose client waits for <c>100 Continue</c>
    /// before sending it. Such a client waits about a second (curl's and .NET's default) and then sends
    /// the body anyway: a shed pause as long as that would have it upload into a connection the gateway
    /// is about to close (a reset instead of the 503), so it is answered at once and the body never
    /// crosses the network, which is the larger saving.
    /// </summary>
    private static bool AwaitsContinue(HttpContext context, DispatchDecision decision) =>
        decision.ShedReason == DispatchDecision.BeforePeekReason
        && context.Request.Headers.Expect.ToString().Contains("100-continue", StringComparison.OrdinalIgnoreCase);

    public async Task RefuseOverShareAsync(HttpContext context, InspectedUpload upload, string clientKey, long cost, long share, TimeSpan retryAfter)
    {
        dispatchMetrics.OverShare(upload.Facts.Format);
        if (logSampler.ShouldLog("client-over-quota", out var suppressed))
        {
            DispatchLog.ClientOverShare(logger, ClientKeys.Loggable(clientKey), cost, share, suppressed);
        }

        if (context.Features.Get<BufferedUpload>() is null)
        {
            context.Response.CloseConnectionAfterResponse();
        }

        await ProblemResults.WriteAsync(context, ProblemTypes.ClientOverQuota,
            $"This client already holds its share of the capacity ({share} bytes, {_options.ClientShare:0.##} of it); this upload needs {cost}. Retry after the indicated delay.",
            retryAfter);
    }
}
