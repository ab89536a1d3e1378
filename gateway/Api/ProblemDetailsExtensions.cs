using ImageGateway.Common.Problems;
using Microsoft.Net.Http.Headers;

namespace ImageGateway.Gateway.Api;

public static class ProblemDetailsExtensions
{
    /// <summary>
    /// <c>AddProblemDetails</c> with the catalogue's types everywhere: an answer whose status was set
    /// without a problem (routing's 404 and 405, Kestrel's 400/408/413 while a body is read, the exception
    /// handler's 500, all written by the status-code pages) gets the catalogue's type for its status
    /// (<see cref="ProblemTypes.ForStatus"/>) instead of ASP.NET's RFC 9110 link, and a detail that
    /// says what to do.
    /// </summary>
    public static IHostApplicationBuilder AddGatewayProblemDetails(this IHostApplicationBuilder builder)
    {
        builder.Services.AddProblemDetails(options => options.CustomizeProblemDetails = context =>
        {
            var problem = context.ProblemDetails;
            if (ProblemTypes.IsCatalogued(problem.Type) || ProblemTypes.ForStatus(context.HttpContext.Response.StatusCode) is not { } type)
            {
                return;
            }

            problem.Type = type.Type;
            problem.Title = type.Title;
            problem.Detail ??= DefaultDetail(context.HttpContext, type);
        });
        return builder;
    }

    private static string? DefaultDetail(HttpContext context, ProblemType type)
    {
        var request = context.Request;
        if (type == ProblemTypes.NotFound)
        {
            return $"Nothing is served at {request.Path}; the API (uploads are POST /count-white-pixels with the image bytes as the body) is described at {UploadApi.OpenApiPath}.";
        }

        if (type == ProblemTypes.MethodNotAllowed)
        {
            var allowed = context.Response.Headers[HeaderNames.Allow].ToString();
            return $"{request.Method} is not allowed on {request.Path}{(allowed.Length > 0 ? $"; it accepts {allowed}" : string.Empty)}.";
        }

        if (type == ProblemTypes.RequestTimeout)
        {
            return "The request body arrived slower than the gateway's minimum data rate (SlowClients:MinRequestBodyBytesPerSecond).";
        }

        if (type == ProblemTypes.MalformedRequest)
        {
            return "The request's framing is not valid HTTP/1.1 (for example a bad chunk or a body shorter than its Content-Length).";
        }

        return null;
    }
}
