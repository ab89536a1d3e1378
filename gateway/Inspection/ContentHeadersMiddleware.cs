using ImageGateway.Common.Problems;
using ImageGateway.Gateway.Observability;
using Microsoft.Extensions.Options;
using Microsoft.Net.Http.Headers;

namespace ImageGateway.Gateway.Inspection;

/// <summary>
/// Refuses, on an upload route, what the request's <c>Content-*</c> headers alone condemn, before a
/// byte of the body is read and before the dispatch queue may shed the upload: such an upload can
/// never be counted, so it gets its definite 4xx even when the gateway is overloaded, never a 503
/// that invites a retry. In order:
/// <list type="bullet">
/// <item>a form (<c>multipart/form-data</c> from <c>curl -F</c> or a browser form, or
/// <c>application/x-www-form-urlencoded</c> from <c>curl -d</c>, which also strips the file's
/// newlines): 415 <c>form-upload</c>, whose detail says to send the raw image bytes (inspection would
/// otherwise see the form's boundary and answer a bare <c>not-an-image</c>);</item>
/// <item>a <c>Content-Encoding</c> other than <c>identity</c>: 415 <c>unsupported-content-encoding</c>
/// (a gzip-wrapped pixel flood is ~1000x smaller again);</item>
/// <item>a <c>Content-Length</c> over <c>Inspection:MaxBodyBytes</c>: 413 <c>body-too-large</c>, and a
/// <c>Content-Length</c> of 0: the inspection's own answer to an empty body. Kestrel sends
/// <c>100 Continue</c> only on the first read of the body, so a client that sent
/// <c>Expect: 100-continue</c> gets the answer without uploading.</item>
/// </list>
/// Every answer closes the connection rather than drain an unread body (<see cref="InspectionRefusals"/>).
/// </summary>
internal sealed class ContentHeadersMiddleware(
    RequestDelegate next,
    UploadInspector inspector,
    IOptions<InspectionOptions> options,
    InspectionRefusals refusals)
{
    private readonly long _maxBodyBytes = options.Value.MaxBodyBytes;

    public Task InvokeAsync(HttpContext context)
    {
        if (!InspectionExtensions.IsInspectedRoute(context) || Refusal(context.Request) is not { } refusal)
        {
            return next(context);
        }

        return RefuseAsync(context, refusal.Problem, refusal.Detail);
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

    private (ProblemType Problem, string Detail)? Refusal(HttpRequest request)
    {
        if (FormKind(request.ContentType) is { } kind)
        {
            return (ProblemTypes.FormUpload, $"The body is a form ({kind}); send the raw image bytes as the body instead, "
                + $"e.g. curl --data-binary @photo.png -H 'Content-Type: image/png' http://HOST{request.Path}");
        }

        if (request.Headers.ContentEncoding is { Count: > 0 } encoding
            && !string.Equals(encoding.ToString().Trim(), "identity", StringComparison.OrdinalIgnoreCase))
        {
            return (ProblemTypes.UnsupportedEncoding, $"Content-Encoding '{encoding}' is not accepted on uploads; send the image bytes unencoded.");
        }

        if (request.ContentLength > _maxBodyBytes)
        {
            return (ProblemTypes.BodyTooLarge, $"The body limit is {_maxBodyBytes} bytes; Content-Length is {request.ContentLength} bytes.");
        }

        if (request.ContentLength == 0 && inspector.Inspect([], complete: true, bodyLength: 0) is { Problem: { } empty, Detail: { } emptyDetail })
        {
            return (empty, emptyDetail);
        }

        return null;
    }

    private async Task RefuseAsync(HttpContext context, ProblemType problem, string detail)
    {
        using var activity = GatewayActivities.Source.StartActivity("inspection");
        await refusals.RefuseAsync(context, problem, detail, peeked: 0, bodyRead: false, activity);
    }
}

public static class ContentHeadersExtensions
{
    /// <summary>
    /// Refuses uploads whose <c>Content-*</c> headers alone condemn them (form, encoding, length);
    /// runs after routing, before <c>UseShedBeforePeek</c> and <c>UseImageInspection</c>.
    /// </summary>
    public static IApplicationBuilder UseContentHeaderChecks(this IApplicationBuilder app) => app.UseMiddleware<ContentHeadersMiddleware>();
}
