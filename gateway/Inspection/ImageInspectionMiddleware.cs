using System.Buffers;
using System.Diagnostics;
using System.Globalization;
using System.IO.Pipelines;
using ImageGateway.Common.Imaging;
using ImageGateway.Common.Imaging.Headers;
using ImageGateway.Common.Observability;
using ImageGateway.Common.Problems;
using ImageGateway.Gateway.Observability;
using ImageGateway.Gateway.Server;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Options;

namespace ImageGateway.Gateway.Inspection;

/// <summary>
/// The inspection of an upload route (after <see cref="ContentHeadersMiddleware"/> refused what the
/// <c>Content-*</c> headers alone condemn): peeks at a bounded prefix of the body
/// without consuming it (<see cref="PipeReader.AdvanceTo(SequencePosition, SequencePosition)"/>),
/// asks <see cref="UploadInspector"/> and either answers problem+json or lets the request go on
/// with the body untouched: the forwarder reads the peeked bytes again, then the rest, so the
/// backend receives exactly what the client sent.
/// </summary>
internal sealed class ImageInspectionMiddleware(
    RequestDelegate next,
    UploadInspector inspector,
    IOptions<InspectionOptions> options,
    GatewayMetrics metrics,
    InspectionRefusals refusals,
    RefusalLogSampler logSampler,
    ILogger<ImageInspectionMiddleware> logger)
{
    /// <summary>Request headers carrying the header facts to the backend, which may use but must not trust them.</summary>
    public const string FormatHeader = "X-Image-Format";
    public const string WidthHeader = "X-Image-Width";
    public const string HeightHeader = "X-Image-Height";
    private const string FactsHeaderPrefix = "X-Image-";

    private readonly InspectionOptions _options = options.Value;

    public Task InvokeAsync(HttpContext context)
    {
        if (!InspectionExtensions.IsInspectedRoute(context))
        {
            return next(context);
        }

        return InspectAsync(context);
    }

    private async Task InspectAsync(HttpContext context)
    {
        // The span ends with the decision, before the upload goes on to the limiter and the forwarder.
        using (var activity = GatewayActivities.Source.StartActivity("inspection"))
        {
            if (!await DecideAsync(context, activity))
            {
                return;
            }
        }

        await next(context);
    }

    /// <summary>True when the upload was accepted and goes on; false when it was answered here.</summary>
    private async Task<bool> DecideAsync(HttpContext context, Activity? activity)
    {
        var request = context.Request;
        if (context.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } bodySize)
        {
            // A body without Content-Length is counted by Kestrel as it streams and cut at the limit.
            bodySize.MaxRequestBodySize = _options.MaxBodyBytes;
        }

        HeaderRead verdict;
        long peeked;
        bool whole;
        try
        {
            (verdict, peeked, whole) = await PeekAsync(request.BodyReader, request.ContentLength, context.RequestAborted);
        }
        catch (BadHttpRequestException ex) when (ex.StatusCode == StatusCodes.Status413PayloadTooLarge)
        {
            // Kestrel decodes a chunked body ahead of the peek and counts it against the limit.
            await refusals.RefuseAsync(context, ProblemTypes.BodyTooLarge,
                $"The body limit is {_options.MaxBodyBytes} bytes; the streamed body went past it.", peeked: 0, bodyRead: false, activity);
            return false;
        }
        catch (Exception ex) when (ex is OperationCanceledException or IOException && context.RequestAborted.IsCancellationRequested)
        {
            // The client went away mid-upload; there is nobody to answer.
            InspectionLog.ClientAborted(logger);
            activity?.SetStatus(ActivityStatusCode.Error, "client aborted");
            return false;
        }
        catch (BadHttpRequestException ex)
        {
            // Malformed framing (bad chunk, short body): Kestrel's status, answered as problem+json by the status-code pages.
            if (logSampler.ShouldLog("malformed-body", out var suppressed))
            {
                InspectionLog.MalformedBody(logger, ex.StatusCode, ex.Message, suppressed);
            }

            context.Response.CloseConnectionAfterResponse();
            context.Response.StatusCode = ex.StatusCode;
            activity?.SetTag(TelemetryAttributes.ErrorType, "malformed-body");
            activity?.SetStatus(ActivityStatusCode.Error);
            return false;
        }

        if (verdict.Outcome != HeaderOutcome.Accepted)
        {
            await refusals.RefuseAsync(context, verdict.Problem!, verdict.Detail!, peeked, whole, activity);
            return false;
        }

        var facts = verdict.Facts!;
        SetFactsHeaders(request.Headers, facts);
        var decodeBytes = DecodeCostEstimator.Estimate(facts, inspector.EncodedBytes(peeked, whole, request.ContentLength));
        context.Features.Set(new InspectedUpload(facts, request.ContentLength ?? _options.PeekBytes, decodeBytes));
        metrics.Inspected(facts.Format, reason: null, peeked);
        InspectionLog.Accepted(logger, facts.Format, facts.Width, facts.Height, peeked);
        if (activity is not null)
        {
            activity.SetTag(TelemetryAttributes.ImageFormat, facts.Format);
            activity.SetTag(TelemetryAttributes.ImageWidth, facts.Width);
            activity.SetTag(TelemetryAttributes.ImageHeight, facts.Height);
            activity.SetTag(TelemetryAttributes.PeekedBytes, peeked);
        }

        return true;
    }

    /// <summary>
    /// Reads until the inspector decides or the window is full, consuming nothing: every read
    /// marks the bytes examined (so the next read waits for more) but leaves them in the pipe.
    /// </summary>
    private async Task<(HeaderRead Verdict, long Peeked, bool Whole)> PeekAsync(PipeReader reader, long? contentLength, CancellationToken cancellationToken)
    {
        byte[]? copy = null;
        try
        {
            while (true)
            {
                var result = await reader.ReadAsync(cancellationToken);
                var buffer = result.Buffer;
                var window = buffer.Length > _options.PeekBytes ? buffer.Slice(0, _options.PeekBytes) : buffer;
                var complete = result.IsCompleted && buffer.Length <= _options.PeekBytes;

                // Most headers sit in the first segment: judge it in place, and copy the window into
                // one rented buffer only when the header runs past the first segment.
                var verdict = inspector.Inspect(window.FirstSpan, complete && window.IsSingleSegment, contentLength);
                if (verdict.Outcome == HeaderOutcome.NeedMoreData && !window.IsSingleSegment)
                {
                    if (copy is null || copy.Length < window.Length)
                    {
                        if (copy is not null)
                        {
                            ArrayPool<byte>.Shared.Return(copy);
                        }

                        copy = ArrayPool<byte>.Shared.Rent((int)window.Length);
                    }

                    window.CopyTo(copy);
                    verdict = inspector.Inspect(copy.AsSpan(0, (int)window.Length), complete, contentLength);
                }

                if (verdict.Outcome == HeaderOutcome.NeedMoreData)
                {
                    reader.AdvanceTo(buffer.Start, buffer.End);
                    continue;
                }

                // Nothing consumed and nothing examined: the forwarder's first read returns it all.
                reader.AdvanceTo(buffer.Start);
                return (verdict, window.Length, complete);
            }
        }
        finally
        {
            if (copy is not null)
            {
                ArrayPool<byte>.Shared.Return(copy);
            }
        }
    }

    private static void SetFactsHeaders(IHeaderDictionary headers, ImageFacts facts)
    {
        foreach (var name in headers.Keys.Where(k => k.StartsWith(FactsHeaderPrefix, StringComparison.OrdinalIgnoreCase)).ToList())
        {
            headers.Remove(name); // never forward a client's claims as the gateway's
        }

        headers[FormatHeader] = facts.Format;
        headers[WidthHeader] = facts.Width.ToString(CultureInfo.InvariantCulture);
        headers[HeightHeader] = facts.Height.ToString(CultureInfo.InvariantCulture);
    }
}

internal static partial class InspectionLog
{
    [LoggerMessage(EventId = 200, Level = LogLevel.Information,
        Message = "Upload limits: body {MaxBodyBytes} bytes, peek window {PeekBytes} bytes, {MaxWidth}x{MaxHeight} pixels, {MaxPixels} pixels in all")]
    public static partial void Limits(ILogger logger, long maxBodyBytes, int peekBytes, int maxWidth, int maxHeight, long maxPixels);

    [LoggerMessage(EventId = 201, Level = LogLevel.Debug, Message = "Accepted {Format} {Width}x{Height} after peeking {PeekedBytes} bytes")]
    public static partial void Accepted(ILogger logger, string format, long width, long height, long peekedBytes);

    [LoggerMessage(EventId = 202, Level = LogLevel.Information,
        Message = "Rejected upload ({Reason}, {Status}) after peeking {PeekedBytes} bytes: {Detail} ({SuppressedBefore} more with this reason were not logged since the last line)")]
    public static partial void Rejected(ILogger logger, string reason, int status, string detail, long peekedBytes, long suppressedBefore);

    [LoggerMessage(EventId = 204, Level = LogLevel.Debug, Message = "The client went away during the peek")]
    public static partial void ClientAborted(ILogger logger);

    [LoggerMessage(EventId = 203, Level = LogLevel.Information,
        Message = "Upload body malformed ({Status}): {Reason} ({SuppressedBefore} more were not logged since the last line)")]
    public static partial void MalformedBody(ILogger logger, int status, string reason, long suppressedBefore);
}
