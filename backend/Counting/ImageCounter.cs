using System.Diagnostics;
using ImageGateway.Backend.Metrics;
using ImageGateway.Common.Imaging;
using ImageGateway.Common.Observability;
using ImageGateway.Common.Problems;
using Microsoft.Extensions.Options;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.Formats;
using SixLabors.ImageSharp.Formats.Gif;
using SixLabors.ImageSharp.Formats.Jpeg;
using SixLabors.ImageSharp.Formats.Pbm;
using SixLabors.ImageSharp.Formats.Png;
using SixLabors.ImageSharp.Memory;
using SixLabors.ImageSharp.PixelFormats;

namespace ImageGateway.Backend.Counting;

/// <summary>
/// Decodes one image held in memory and counts its exactly-white pixels. Knows nothing of HTTP:
/// every way the bytes can be unacceptable is an <see cref="ImageRejectedException"/>.
/// </summary>
public sealed class ImageCounter
{
    private readonly Configuration _configuration;
    private readonly CountingOptions _options;

    public ImageCounter(IOptions<CountingOptions> options, MemoryAllocator allocator)
    {
        _options = options.Value;
        _configuration = SafeImageConfiguration.Create(allocator);
    }

    /// <summary>Identifies the image: format, dimensions and the pixel type counting needs.</summary>
    /// <exception cref="ImageRejectedException">Not an image, an unaccepted format, corrupt, or over a limit.</exception>
    public ImageFacts Identify(ReadOnlyMemory<byte> image)
    {
        var format = Image.DetectFormat(_configuration, image.Span);
        if (format is null)
        {
            var known = SafeImageConfiguration.DetectAnyFormatName(image.Span);
            throw known is null
                ? new ImageRejectedException(ProblemTypes.NotAnImage,
                    $"The body is not an image in any accepted format ({string.Join(", ", SafeImageConfiguration.AcceptedFormats)}).")
                : new ImageRejectedException(ProblemTypes.UnsupportedFormat,
                    $"The body is a {known} image; accepted formats are {string.Join(", ", SafeImageConfiguration.AcceptedFormats)}.");
        }

        var name = SafeImageConfiguration.ShortName(format);
        if (KnownDecoderDefects.Check(name, image.Span) is { } defect)
        {
            throw new ImageRejectedException(ProblemTypes.CorruptImage, defect);
        }

        IImageInfo? info;
        try
        {
            info = RetryingUnexpected(() =>
            {
                using var stream = AsStream(image);
                return Image.Identify(_configuration, stream, out _);
            });
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            throw new ImageRejectedException(ProblemTypes.CorruptImage, $"The {name} header could not be read: {ex.Message}", ex);
        }

        if (info is null || info.Width <= 0 || info.Height <= 0)
        {
            throw new ImageRejectedException(ProblemTypes.CorruptImage, $"The {name} header does not give valid dimensions.");
        }

        CheckLimits(name, info.Width, info.Height);
        var cost = DecodeCostFacts.FromHeader(name, info.Width, info.Height, image.Length, image.Span);
        if (format is JpegFormat && cost.Jpeg is null)
        {
            throw new ImageRejectedException(ProblemTypes.CorruptImage, "The jpeg has no frame header before its first scan.");
        }

        var firstFrame = format is GifFormat ? FormatHeaders.GifFirstFrameSize(image.Span) : null;
        if (firstFrame is { } frame && ((long)frame.Width * frame.Height > _options.MaxPixels || frame.Width > _options.MaxWidth || frame.Height > _options.MaxHeight))
        {
            throw new ImageRejectedException(ProblemTypes.ImageTooLarge,
                $"The gif's first frame is {frame.Width}x{frame.Height}; the limit is {_options.MaxWidth}x{_options.MaxHeight} and {_options.MaxPixels} pixels.");
        }

        // After the limits, so an over-large header is reported as such even when its data is cut.
        if (TruncationCheck.Find(name, image.Span) is { } truncated)
        {
            throw new ImageRejectedException(ProblemTypes.CorruptImage, truncated);
        }

        return new ImageFacts(name, info.Width, info.Height, ChoosePixel(format, info))
        {
            Cost = cost,
        };
    }

    /// <summary>Identifies, decodes the first frame of <paramref name="image"/> and counts its white pixels.</summary>
    /// <exception cref="ImageRejectedException">Not an image, an unaccepted format, corrupt, or over a limit.</exception>
    /// <exception cref="OutOfMemoryException">The process has no room for this decode now.</exception>
    public CountResult Count(ReadOnlyMemory<byte> image, CancellationToken cancellationToken = default) =>
        Count(image, Identify(image), cancellationToken);

    /// <summary>Decodes the first frame of an image already identified as <paramref name="facts"/> and counts its white pixels.</summary>
    /// <exception cref="ImageRejectedException">Corrupt, or needs more memory in one piece than allowed.</exception>
    /// <exception cref="OutOfMemoryException">The process has no room for this decode now.</exception>
    public CountResult Count(ReadOnlyMemory<byte> image, ImageFacts facts, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(facts);
        cancellationToken.ThrowIfCancellationRequested();
        var white = facts.Pixel == DecodePixel.Mask16 ? Decode<Rgba64>(image, facts) : Decode<Rgba32>(image, facts);
        return new CountResult(white, facts.Width, facts.Height, facts.Format);
    }

    /// <summary>Decodes into a one-byte white mask whose white test is <typeparamref name="TReference"/>'s, and counts.</summary>
    private long Decode<TReference>(ReadOnlyMemory<byte> image, ImageFacts facts)
        where TReference : unmanaged, IPixel<TReference>
    {
        Image<WhiteMask<TReference>> decoded;
        using (var activity = BackendActivities.Source.StartActivity("decode"))
        {
            if (activity is not null)
            {
                activity.SetTag(TelemetryAttributes.ImageFormat, facts.Format);
                activity.SetTag(TelemetryAttributes.ImageWidth, facts.Width);
                activity.SetTag(TelemetryAttributes.ImageHeight, facts.Height);
                activity.SetTag("image_gateway.decode.pixel", facts.Pixel.ToString());
            }

            try
            {
                decoded = RetryingUnexpected(() => Load<TReference>(image));
            }
            catch (OutOfMemoryException) when (Failed(activity, "out-of-memory"))
            {
                throw; // never reached: the filter only marks the span and lets the exception go on (answered 503)
            }
            catch (InvalidMemoryOperationException ex)
            {
                throw Failed(activity, new ImageRejectedException(ProblemTypes.ImageTooLarge,
                    $"Decoding this {facts.Width}x{facts.Height} {facts.Format} image needs more memory than one image may use.", ex));
            }
            catch (Exception ex) when (ex is not OutOfMemoryException)
            {
                throw Failed(activity, new ImageRejectedException(ProblemTypes.CorruptImage, $"The {facts.Format} image could not be decoded: {ex.Message}", ex));
            }
        }

        using (decoded)
        using (BackendActivities.Source.StartActivity("count"))
        {
            return CountRows(decoded.Frames.RootFrame);
        }
    }

    private static ImageRejectedException Failed(Activity? activity, ImageRejectedException rejection)
    {
        Failed(activity, TelemetryAttributes.Reason(rejection.Problem.Type));
        return rejection;
    }

    /// <summary>Marks the span failed; false, so that as an exception filter it never catches.</summary>
    private static bool Failed(Activity? activity, string reason)
    {
        activity?.SetTag(TelemetryAttributes.ErrorType, reason);
        activity?.SetStatus(ActivityStatusCode.Error, reason);
        return false;
    }

    /// <summary>
    /// ImageSharp reports bad data as an <see cref="ImageFormatException"/>. Anything else (seen: a
    /// <see cref="NullReferenceException"/> from the JPEG decoder under the 64-client burst, while
    /// other decodes ran out of memory) may be an <see cref="OutOfMemoryException"/> lost in a
    /// decoder's cleanup (the JPEG decoder's Dispose can throw on a half-built frame and replace the
    /// original exception: ImageSharp issue 823). Decoding the same bytes again tells the two apart:
    /// a defect in the data fails the same way again (422); lost memory does not, or fails as out
    /// of memory (503).
    /// </summary>
    private static T RetryingUnexpected<T>(Func<T> read)
    {
        try
        {
            return read();
        }
        catch (Exception ex) when (ex is not (OutOfMemoryException or InvalidMemoryOperationException or ImageFormatException))
        {
            return read();
        }
    }

    private Image<WhiteMask<TReference>> Load<TReference>(ReadOnlyMemory<byte> image)
        where TReference : unmanaged, IPixel<TReference>
    {
        using var stream = AsStream(image);
        return Image.Load<WhiteMask<TReference>>(_configuration, stream);
    }

    private static long CountRows<TReference>(ImageFrame<WhiteMask<TReference>> frame)
        where TReference : unmanaged, IPixel<TReference>
    {
        long white = 0;
        frame.ProcessPixelRows(accessor =>
        {
            for (var y = 0; y < accessor.Height; y++)
            {
                white += WhitePixelCounter.Count<TReference>(accessor.GetRowSpan(y));
            }
        });
        return white;
    }

    /// <summary>
    /// The white test an image needs (see <see cref="DecodePixel"/>): the 16-bit one where the header
    /// says samples are deeper than 8 bits, else the 8-bit one. Alpha needs nothing special: the 8-bit
    /// test is on RGBA, and an opaque pixel converts with alpha 255.
    /// </summary>
    private static DecodePixel ChoosePixel(IImageFormat format, IImageInfo info) => format switch
    {
        PngFormat when info.Metadata.GetPngMetadata().BitDepth == PngBitDepth.Bit16 => DecodePixel.Mask16,
        PbmFormat when info.Metadata.GetPbmMetadata().ComponentType == PbmComponentType.Short => DecodePixel.Mask16,
        _ => DecodePixel.Mask8,
    };

    private void CheckLimits(string format, int width, int height)
    {
        if (width > _options.MaxWidth || height > _options.MaxHeight)
        {
            throw new ImageRejectedException(ProblemTypes.ImageTooLarge,
                $"The {format} image is {width}x{height}; the limit is {_options.MaxWidth}x{_options.MaxHeight}.");
        }

        var pixels = (long)width * height;
        if (pixels > _options.MaxPixels)
        {
            throw new ImageRejectedException(ProblemTypes.ImageTooLarge,
                $"The {format} image has {pixels} pixels ({width}x{height}); the limit is {_options.MaxPixels} pixels.");
        }
    }

    private static MemoryStream AsStream(ReadOnlyMemory<byte> image) =>
        System.Runtime.InteropServices.MemoryMarshal.TryGetArray(image, out var segment)
            ? new MemoryStream(segment.Array!, segment.Offset, segment.Count, writable: false)
            : new MemoryStream(image.ToArray(), writable: false);
}

/// <summary>What the header says: the short format name, the size, and the pixel type counting needs.</summary>
public sealed record ImageFacts(string Format, int Width, int Height, DecodePixel Pixel)
{
    /// <summary>What the cost of decoding it depends on (<see cref="DecodeCostEstimator"/>).</summary>
    public required DecodeCostFacts Cost { get; init; }
}
