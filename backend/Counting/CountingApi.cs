using ImageGateway.Common.Problems;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;

namespace ImageGateway.Backend.Counting;

/// <summary>Maps <c>POST /count-white-pixels</c>: HTTP in, <see cref="ImageCounter"/> call, HTTP out.</summary>
public static class CountingApi
{
    public const string Route = "/count-white-pixels";

    /// <summary>How long an overloaded client is asked to wait before retrying.</summary>
    private static readonly TimeSpan OverloadedRetryAfter = TimeSpan.FromSeconds(1);

    public static IEndpointRouteBuilder MapCounting(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapPost(Route, CountAsync)
            .WithName("CountWhitePixels")
            .Produces<CountResult>()
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status413PayloadTooLarge)
            .ProducesProblem(StatusCodes.Status415UnsupportedMediaType)
            .ProducesProblem(StatusCodes.Status422UnprocessableEntity)
            .ProducesProblem(StatusCodes.Status503ServiceUnavailable);
        return endpoints;
    }

    private static async Task<Results<Ok<CountResult>, ProblemHttpResult>> CountAsync(
        HttpContext context,
        ImageCounter counter,
        IOptions<CountingOptions> options,
        ILogger<ImageCounter> logger,
        CancellationToken cancellationToken)
    {
        var limits = options.Value;
        if (context.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } bodySize)
        {
            // The endpoint enforces the limit itself, with a problem+json answer.
            bodySize.MaxRequestBodySize = null;
        }

        if (context.Request.Headers.ContentEncoding is { Count: > 0 } encoding && !IsIdentity(encoding.ToString()))
        {
            CountingLog.Rejected(logger, ProblemTypes.UnsupportedEncoding.Type, encoding.ToString());
            return ProblemResults.Result(ProblemTypes.UnsupportedEncoding,
                $"Content-Encoding '{encoding}' is not accepted; send the image bytes unencoded.");
        }

        try
        {
            using var body = await RequestBody.ReadAsync(context.Request.BodyReader, context.Request.ContentLength, limits.MaxBodyBytes, cancellationToken);
            var result = counter.Count(body.Memory, cancellationToken);
            CountingLog.Counted(logger, result.Format, result.Width, result.Height, result.WhitePixelCount);
            return TypedResults.Ok(result);
        }
        catch (ImageRejectedException ex)
        {
            CountingLog.Rejected(logger, ex.Problem.Type, ex.Message);
            return ProblemResults.Result(ex.Problem, ex.Message);
        }
        catch (OutOfMemoryException)
        {
            CountingLog.OutOfMemory(logger);
            ProblemResults.SetRetryAfter(context.Response, OverloadedRetryAfter);
            return ProblemResults.Result(ProblemTypes.Overloaded, "The backend has no memory for this image right now; retry shortly.");
        }
    }

    private static bool IsIdentity(string encoding) =>
        string.Equals(encoding.Trim(), "identity", StringComparison.OrdinalIgnoreCase);
}

internal static partial class CountingLog
{
    [LoggerMessage(EventId = 1, Level = LogLevel.Debug, Message = "Counted {Format} {Width}x{Height}: {WhitePixels} white pixels")]
    public static partial void Counted(ILogger logger, string format, int width, int height, long whitePixels);

    [LoggerMessage(EventId = 2, Level = LogLevel.Information, Message = "Rejected upload as {ProblemType}: {Detail}")]
    public static partial void Rejected(ILogger logger, string problemType, string detail);

    [LoggerMessage(EventId = 3, Level = LogLevel.Warning, Message = "Out of memory while decoding; answered 503")]
    public static partial void OutOfMemory(ILogger logger);
}
