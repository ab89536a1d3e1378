using System.Diagnostics;
using ImageGateway.Common.Observability;
using ImageGateway.Gateway.Inspection;
using ImageGateway.Gateway.Observability;

namespace ImageGateway.Gateway.Throttling;

/// <summary>
/// The <c>throttling.wait</c> span of an inspected upload: opened just before the rate limiter and
/// closed just after it lets the upload through, so it covers the fair-share check and the wait in
/// the decode budget's queue; when the limiter refuses, it closes with <c>error.type</c>. Two
/// middleware around <c>UseRateLimiter</c>, because the limiter itself has no hook for "acquired".
/// </summary>
internal sealed class ThrottlingWaitSpan
{
    private readonly Activity _activity;

    private ThrottlingWaitSpan(Activity activity) => _activity = activity;

    /// <summary>Before the limiter: opens the span for an inspected upload.</summary>
    public static Task BeforeLimiter(HttpContext context, RequestDelegate next)
    {
        if (context.Features.Get<InspectedUpload>() is not { } upload
            || GatewayActivities.Source.StartActivity("throttling.wait") is not { } activity)
        {
            return next(context);
        }

        activity.SetTag(TelemetryAttributes.Permits, context.RequestServices.GetRequiredService<DecodeBudget>().PermitsFor(upload));
        context.Features.Set(new ThrottlingWaitSpan(activity));
        return AroundLimiterAsync(context, next, activity);
    }

    /// <summary>After the limiter: the upload holds its permits; the span ends and the forward span becomes its sibling.</summary>
    public static Task AfterLimiter(HttpContext context, RequestDelegate next)
    {
        if (context.Features.Get<ThrottlingWaitSpan>() is { } span)
        {
            span._activity.Stop(); // also makes the request's span current again
        }

        return next(context);
    }

    private static async Task AroundLimiterAsync(HttpContext context, RequestDelegate next, Activity activity)
    {
        try
        {
            await next(context);
        }
        finally
        {
            if (!activity.IsStopped)
            {
                // The limiter answered without letting the upload through.
                var reason = context.Response.StatusCode == StatusCodes.Status429TooManyRequests ? "client-over-quota" : "overloaded";
                activity.SetTag(TelemetryAttributes.ErrorType, reason);
                activity.SetStatus(ActivityStatusCode.Error, reason);
                activity.Stop();
            }
        }
    }
}
