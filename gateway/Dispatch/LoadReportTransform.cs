using ImageGateway.Common.LoadReports;
using ImageGateway.Common.Problems;
using Yarp.ReverseProxy.Transforms;

namespace ImageGateway.Gateway.Dispatch;

/// <summary>
/// A YARP response transform: learns every proxied response's load report (then removes the header,
/// which is for the gateway, not the client), and holds back a backend's 503 <c>overloaded</c> when
/// the upload may be retried elsewhere.
/// </summary>
internal sealed class LoadReportTransform(DispatchScheduler scheduler, ILogger<LoadReportTransform> logger)
{
    public async ValueTask ApplyAsync(ResponseTransformContext context)
    {
        var http = context.HttpContext;
        if (context.ProxyResponse is not { } response)
        {
            return;
        }

        http.Response.Headers.Remove(LoadReport.HeaderName);
        var destination = http.GetReverseProxyFeature().ProxiedDestination;
        if (destination is not null && response.Headers.TryGetValues(LoadReport.HeaderName, out var values))
        {
            var value = values.FirstOrDefault();
            if (LoadReport.TryParse(value, out var report))
            {
                scheduler.Reported(destination, report, http.Features.Get<DispatchFeature>()?.Reservation);
            }
            else if (logger.IsEnabled(LogLevel.Debug))
            {
                DispatchLog.BadReport(logger, destination.DestinationId, LoadReport.TryParseMetrics(value, out _) ?? "no budget_bytes", value ?? string.Empty);
            }
        }

        if (response.StatusCode == System.Net.HttpStatusCode.ServiceUnavailable && http.Features.Get<DispatchFeature>() is { CanRetry: true } dispatch)
        {
            // Buffered so the forwarder can still copy it when it is not the answer a retry is for.
            await response.Content.LoadIntoBufferAsync(context.CancellationToken);
            var body = await response.Content.ReadAsStringAsync(context.CancellationToken);
            if (body.Contains(ProblemTypes.Overloaded.Type, StringComparison.Ordinal))
            {
                dispatch.RetryRequested = true;
                context.SuppressResponseBody = true;
            }
        }
    }
}
