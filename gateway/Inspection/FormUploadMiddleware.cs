using ImageGateway.Common.Observability;
using ImageGateway.Common.Problems;
using ImageGateway.Gateway.Observability;
using ImageGateway.Gateway.Server;
using Microsoft.Net.Http.Headers;

namespace ImageGateway.Gateway.Inspection;

/// <summary>
/// Refuses a form upload (<c>multipart/form-data</c> from <c>curl -F</c> or a browser form, or
/// <c>application/x-www-form-urlencoded</c> from <c>curl -d</c>, which also strips the file's newlines)
/// on an upload route with 415 <c>form-upload</c>, whose detail says to send the raw image bytes.
/// Decided on the <c>Content-Type</c> header alone, before inspection reads a byte; inspection would
/// otherwise see the form's boundary and answer a bare <c>not-an-image</c>.
/// </summary>
internal sealed class FormUploadMiddleware(RequestDelegate next, GatewayMetrics metrics, RefusalLogSampler logSampler, ILogger<FormUploadMiddleware> logger)
{
    public Task InvokeAsync(HttpContext context)
    {
        if (!InspectionExtensions.IsInspectedRoute(context) || FormKind(context.Request.ContentType) is not { } kind)
        {
            return next(context);
        }

        return RefuseAsync(context, kind);
    }

    /// <summary>The form media type of <paramref name="contentType"/>, or null when it is not a form.</summary>
    internal static string? FormKind(string? contentType)
    {
        if (!MediaTypeHeaderValue.TryParse(contentType, out var media) || media.MediaType.Value is not { } type)
        {
            return null;
        }

        return type.StartsWith("multipart/", StringComparison.OrdinalIgnoreCase)
            || type.Equals("application/x-www-form-urlencoded", StringComparison.OrdinalIgnoreCase)
            ? type.ToLowerInvariant()
            : null;
    }

    private async Task RefuseAsync(HttpContext context, string kind)
    {
        var problem = ProblemTypes.FormUpload;
        var reason = TelemetryAttributes.Reason(problem.Type);
        var detail = $"The body is a form ({kind}); send the raw image bytes as the body instead, "
            + $"e.g. curl --data-binary @photo.png -H 'Content-Type: image/png' http://HOST{context.Request.Path}";
        metrics.Inspected(format: null, reason, peekedBytes: 0);
        if (logSampler.ShouldLog(reason, out var suppressed))
        {
            InspectionLog.Rejected(logger, reason, problem.Status, detail, 0, suppressed);
        }

        // The form body is not read: close after answering rather than drain it.
        context.Response.CloseConnectionAfterResponse();
        await ProblemResults.WriteAsync(context, problem, detail);
    }
}

public static class FormUploadExtensions
{
    /// <summary>Refuses form uploads on upload routes (415 <c>form-upload</c>); runs after routing, before <c>UseImageInspection</c>.</summary>
    public static IApplicationBuilder UseFormUploadRefusal(this IApplicationBuilder app) => app.UseMiddleware<FormUploadMiddleware>();
}
