using System.Diagnostics;
using ImageGateway.Common.Observability;
using ImageGateway.Common.Problems;
using ImageGateway.Gateway.Observability;
using ImageGateway.Gateway.Server;

namespace ImageGateway.Gateway.Inspection;

/// <summary>
/// The answer to an upload the inspection refuses, from its headers (<see cref="ContentHeadersMiddleware"/>)
/// or its peek (<see cref="ImageInspectionMiddleware"/>): counted by reason, logged (sampled per reason),
/// tagged on the inspection span, and written as problem+json; with <c>Connection: close</c> when the
/// body was not read whole, so the unread rest is not drained.
/// </summary>
internal sealed class InspectionRefusals(GatewayMetrics metrics, RefusalLogSampler logSampler, ILogger<InspectionRefusals> logger)
{
    public async Task RefuseAsync(HttpContext context, ProblemType problem, string detail, long peeked, bool bodyRead, Activity? activity)
    {
        var reason = TelemetryAttributes.Reason(problem.Type);
        metrics.Inspected(format: null, reason, peeked);
        if (logSampler.ShouldLog(reason, out var suppressed))
        {
            InspectionLog.Rejected(logger, reason, problem.Status, detail, peeked, suppressed);
        }

        if (activity is not null)
        {
            activity.SetTag(TelemetryAttributes.ErrorType, reason);
            activity.SetTag(TelemetryAttributes.PeekedBytes, peeked);
            activity.SetStatus(ActivityStatusCode.Error, reason);
        }

        if (!bodyRead)
        {
            context.Response.CloseConnectionAfterResponse();
        }

        await ProblemResults.WriteAsync(context, problem, detail);
    }
}
