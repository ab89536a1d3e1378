using System.Diagnostics;
using ImageGateway.Common.Observability;
using ImageGateway.Common.Problems;
using ImageGateway.Gateway.Observability;
using ImageGateway.Gateway.Server;
using Microsoft.AspNetCore.Http.Features;
using Yarp.ReverseProxy.Forwarder;
using Yarp.ReverseProxy.Model;

namespace ImageGateway.Gateway.Forwarding;

/// <summary>
/// Turns YARP's bare forwarding failures (no healthy destination, backend unreachable, timeout)
/// into the documented problem+json answers. Runs first in the proxy pipeline and acts only after
/// the rest of it, when YARP recorded an error and nothing has been sent to the client yet.
/// Also opens the <c>forward</c> span (destination choice and proxying; YARP's HttpClient span,
/// which carries <c>traceparent</c> to the backend, is its child).
/// </summary>
internal sealed class ForwarderProblemMiddleware(RequestDelegate next, RefusalLogSampler logSampler, ILogger<ForwarderProblemMiddleware> logger)
{
    /// <summary>How long a client is asked to wait when no backend can take the request.</summary>
    internal static readonly TimeSpan RetryAfter = TimeSpan.FromSeconds(2);

    public async Task InvokeAsync(HttpContext context)
    {
        var error = await ForwardAsync(context);
        if (error is null || context.Response.HasStarted)
        {
            return;
        }

        if (logSampler.ShouldLog(error.Error.ToString(), out var suppressed))
        {
            ForwardingLog.ForwardingFailed(logger, error.Error, error.Exception?.Message, suppressed);
        }

        switch (error.Error)
        {
            case ForwarderError.NoAvailableDestinations:
                await ProblemResults.WriteAsync(context, ProblemTypes.NoHealthyBackend,
                    "No backend is healthy right now; retry after the indicated delay.", RetryAfter);
                break;
            case ForwarderError.RequestTimedOut:
                await ProblemResults.WriteAsync(context, ProblemTypes.BackendTimeout,
                    "The backend did not answer within the gateway's timeout.");
                break;
            case ForwarderError.RequestCanceled or ForwarderError.RequestBodyCanceled:
                // The client went away; there is nobody to answer.
                break;
            case ForwarderError.RequestBodyClient when IsBodyTooLarge(error.Exception):
                // A body without Content-Length ran past the limit while streaming; Kestrel cut it.
                context.Response.CloseConnectionAfterResponse();
                await ProblemResults.WriteAsync(context, ProblemTypes.BodyTooLarge,
                    $"The body ran past the limit of {context.Features.Get<IHttpMaxRequestBodySizeFeature>()?.MaxRequestBodySize} bytes while streaming.");
                break;
            case ForwarderError.RequestBodyClient:
                // The client's upload failed mid-stream (Kestrel has set the status, e.g. 400).
                break;
            default:
                await ProblemResults.WriteAsync(context, ProblemTypes.BackendFailed,
                    $"The request could not be completed by the backend ({error.Error}); it is safe to retry.", RetryAfter);
                break;
        }
    }

    private async Task<IForwarderErrorFeature?> ForwardAsync(HttpContext context)
    {
        using var activity = GatewayActivities.Source.StartActivity("forward");
        await next(context);
        var error = context.Features.Get<IForwarderErrorFeature>();
        if (activity is not null)
        {
            if (context.Features.Get<IReverseProxyFeature>()?.ProxiedDestination is { } destination)
            {
                activity.SetTag(TelemetryAttributes.Destination, destination.DestinationId);
            }

            if (error is not null)
            {
                activity.SetTag(TelemetryAttributes.ErrorType, error.Error.ToString());
                activity.SetStatus(ActivityStatusCode.Error, error.Exception?.Message);
            }
        }

        return error;
    }

    private static bool IsBodyTooLarge(Exception? exception)
    {
        for (var e = exception; e is not null; e = e.InnerException)
        {
            if (e is BadHttpRequestException { StatusCode: StatusCodes.Status413PayloadTooLarge })
            {
                return true;
            }
        }

        return false;
    }
}

internal static partial class ForwardingLog
{
    [LoggerMessage(EventId = 100, Level = LogLevel.Warning,
        Message = "Forwarding failed with {Error}: {Reason} ({SuppressedBefore} more were not logged since the last line)")]
    public static partial void ForwardingFailed(ILogger logger, ForwarderError error, string? reason, long suppressedBefore);
}
