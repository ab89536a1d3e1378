using ImageGateway.Backend.Admission;
using ImageGateway.Backend.Counting;
using ImageGateway.Backend.Decoding;
using ImageGateway.Backend.Metrics;
using ImageGateway.Common.Observability;
using ImageGateway.Common.Problems;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;

namespace ImageGateway.Backend.Api;

/// <summary>Maps <c>POST /count-white-pixels</c>: HTTP in, <see cref="UploadDecoder"/> call (a decode worker counts), HTTP out.</summary>
public static class CountingApi
{
    public const string Route = "/count-white-pixels";

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
        UploadDecoder decoder,
        DecodeAdmission admission,
        BackendMetrics metrics,
        RefusalLogSampler logSampler,
        IOptions<CountingOptions> options,
        ILogger<ImageCounter> logger,
        CancellationToken cancellationToken)
    {
        var log = new RefusalLog(logger, logSampler);
        if (context.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } bodySize)
        {
            // The endpoint enforces the limit itself, with a problem+json answer.
            bodySize.MaxRequestBodySize = null;
        }

        if (context.Request.Headers.ContentEncoding is { Count: > 0 } encoding && !IsIdentity(encoding.ToString()))
        {
            return Rejected(metrics, log, ProblemTypes.UnsupportedEncoding,
                $"Content-Encoding '{encoding}' is not accepted; send the image bytes unencoded.");
        }

        // A body can never be larger than the decode budget it must fit in.
        var maxBodyBytes = Math.Min(options.Value.MaxBodyBytes, admission.BudgetBytes);
        using var reservation = admission.Begin();
        string? refusal = null;
        try
        {
            var decoded = await decoder.CountAsync(context.Request.BodyReader, context.Request.ContentLength, maxBodyBytes, reservation, cancellationToken);
            var result = decoded.Result;
            metrics.Answered("counted", reason: null);
            CountingLog.Counted(logger, result.Format, result.Width, result.Height, result.WhitePixelCount, decoded.CpuTime.TotalMilliseconds, decoded.CpuDeadline.TotalMilliseconds, decoded.Passes, decoded.ImageMemoryPeakBytes, reservation.Bytes);
            return TypedResults.Ok(result);
        }
        catch (ImageRejectedException ex)
        {
            return Rejected(metrics, log, ex.Problem, ex.Message);
        }
        catch (AdmissionRefusedException ex) when (ex.Refusal == AdmissionRefusal.NeverFits)
        {
            refusal = ex.Reason;
            return Rejected(metrics, log, ProblemTypes.ImageTooLarge, ex.Message);
        }
        catch (AdmissionRefusedException ex)
        {
            refusal = ex.Reason;
            if (log.ShouldLog(ex.Reason, out var suppressed))
            {
                CountingLog.Overloaded(logger, ex.Refusal, ex.Message, suppressed);
            }

            return Overloaded(context, admission, metrics, ex.Reason, ex.Message);
        }
        catch (WorkerUnavailableException ex)
        {
            if (log.ShouldLog("worker-unavailable", out var suppressed))
            {
                CountingLog.WorkerUnavailable(logger, reservation.Bytes, admission.BytesInUse, ex.Message, suppressed);
            }

            return Overloaded(context, admission, metrics, "worker-unavailable", ex.Message);
        }
        finally
        {
            metrics.AdmissionWaited(reservation.Waited, refusal);
        }
    }

    private static ProblemHttpResult Rejected(BackendMetrics metrics, RefusalLog log, ProblemType problem, string detail)
    {
        var reason = TelemetryAttributes.Reason(problem.Type);
        if (log.ShouldLog(reason, out var suppressed))
        {
            CountingLog.Rejected(log.Logger, problem.Type, detail, suppressed);
        }

        metrics.Answered("rejected", reason);
        return ProblemResults.Result(problem, detail);
    }

    private static ProblemHttpResult Overloaded(HttpContext context, DecodeAdmission admission, BackendMetrics metrics, string reason, string detail)
    {
        metrics.Answered("overloaded", reason);
        ProblemResults.SetRetryAfter(context.Response, admission.RetryAfter);
        return ProblemResults.Result(ProblemTypes.Overloaded, detail);
    }

    private static bool IsIdentity(string encoding) =>
        string.Equals(encoding.Trim(), "identity", StringComparison.OrdinalIgnoreCase);

    /// <summary>The logger and the sampler that decides which refusals it writes.</summary>
    private readonly record struct RefusalLog(ILogger Logger, RefusalLogSampler Sampler)
    {
        public bool ShouldLog(string reason, out long suppressed) => Sampler.ShouldLog(reason, out suppressed);
    }
}

internal static partial class CountingLog
{
    [LoggerMessage(EventId = 1, Level = LogLevel.Debug,
        Message = "Counted {Format} {Width}x{Height}: {WhitePixels} white pixels; decode CPU {CpuMilliseconds} ms of a {DeadlineMilliseconds} ms deadline ({Passes} passes), image memory peak {ImageMemoryPeakBytes} of {ReservedBytes} bytes reserved")]
    public static partial void Counted(ILogger logger, string format, int width, int height, long whitePixels, double cpuMilliseconds, double deadlineMilliseconds, int passes, long imageMemoryPeakBytes, long reservedBytes);

    [LoggerMessage(EventId = 2, Level = LogLevel.Information,
        Message = "Rejected upload as {ProblemType}: {Detail} ({SuppressedBefore} more with this reason were not logged since the last line)")]
    public static partial void Rejected(ILogger logger, string problemType, string detail, long suppressedBefore);

    [LoggerMessage(EventId = 3, Level = LogLevel.Warning,
        Message = "Decode worker unavailable (this request reserved {ReservedBytes} bytes, all requests {BudgetInUseBytes}); answered 503: {Detail} ({SuppressedBefore} more were not logged since the last line)")]
    public static partial void WorkerUnavailable(ILogger logger, long reservedBytes, long budgetInUseBytes, string detail, long suppressedBefore);

    [LoggerMessage(EventId = 4, Level = LogLevel.Information,
        Message = "Not admitted ({Refusal}); answered 503: {Detail} ({SuppressedBefore} more with this refusal were not logged since the last line)")]
    public static partial void Overloaded(ILogger logger, AdmissionRefusal refusal, string detail, long suppressedBefore);
}
