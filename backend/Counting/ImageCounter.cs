using System.Diagnostics;
using ImageGateway.Backend.Kernels;
using ImageGateway.Backend.Tracing;
using ImageGateway.Common.Imaging;
using ImageGateway.Common.Imaging.Headers;
using ImageGateway.Common.Observability;
using ImageGateway.Common.Problems;
using Microsoft.Extensions.Options;
using SixLabors.ImageSharp;
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
    private readonly UploadLimits _limits;

    public ImageCounter(IOptions<CountingOptions> options, MemoryAllocator allocator)
    {
        _limits = options.Value.ToUploadLimits();
        _configuration = SafeImageConfiguration.Create(allocator);
    }

    /// <summary>
    /// Identifies the image with the header model (<see cref="ImageHeaders.Read"/>) on the whole
    /// body: the same reader the gateway runs on its peek, which follows ImageSharp 2.1.13's own
    /// parsing, so ImageSharp's <c>Identify</c> is not asked (it reports, e.g., a PNG's last IHDR
    /// where the decoder uses the first, and a GIF's screen only).
    /// </summary>
    /// <exception cref="ImageRejectedException">Not an image, an unaccepted format, corrupt, or over a limit.</exception>
    public ImageFacts Identify(ReadOnlyMemory<byte> image)
    {
        var read = ImageHeaders.Read(image.Span, complete: true, image.Length, _limits);
        return read.Outcome == HeaderOutcome.Accepted
            ? read.Facts!
            : throw new ImageRejectedException(read.Problem!, read.Detail!);
    }

    /// <summary>Identifies, decodes the first frame of <paramref name="image"/> and counts its white pixels.</summary>
    /// <exception cref="ImageRejectedException">Not an image, an unaccepted format, corrupt, or over a limit.</exception>
    /// <exception cref="OutOfMemoryException">The process has no room for this decode now.</exception>
    public CountResult Count(ReadOnlyMemory<byte> image, CancellationToken cancellationToken = default) =>
        Count(image, Identify(image), cancellationToken);

    /// <summary>
    /// Decodes the first frame of an image already identified as <paramref name="facts"/> and counts
    /// its white pixels: the image data checks and normalisations first
    /// (<see cref="ImageHeaders.Prepare"/>), then ImageSharp, then a check of what it decoded against
    /// the facts, which does not trust the prediction.
    /// </summary>
    /// <exception cref="ImageRejectedException">Corrupt, not what its header says, or needs more memory in one piece than allowed.</exception>
    /// <exception cref="OutOfMemoryException">The process has no room for this decode now.</exception>
    public CountResult Count(ReadOnlyMemory<byte> image, ImageFacts facts, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(facts);
        cancellationToken.ThrowIfCancellationRequested();
        var prepared = ImageHeaders.Prepare(image, facts);
        if (prepared.IsRefused)
        {
            throw new ImageRejectedException(prepared.Problem!, prepared.Detail!);
        }

        var (white, width, height) = facts.Depth == SampleDepth.Bits16
            ? Decode<Rgba64>(prepared.Body, facts)
            : Decode<Rgba32>(prepared.Body, facts);
        if (width != facts.Width || height != facts.Height || white > facts.Pixels)
        {
            throw new ImageRejectedException(ProblemTypes.CorruptImage,
                $"The image is not what its header says: its {facts.Format} header gives {facts.Width}x{facts.Height} pixels, the decoder produced {width}x{height} with {white} white.");
        }

        return new CountResult(white, facts.Width, facts.Height, facts.Format);
    }

    /// <summary>Decodes into a one-byte white mask whose white test is <typeparamref name="TReference"/>'s, and counts.</summary>
    private (long White, int Width, int Height) Decode<TReference>(ReadOnlyMemory<byte> image, ImageFacts facts)
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
                activity.SetTag("image_gateway.decode.sample_depth", facts.Depth == SampleDepth.Bits16 ? 16 : 8);
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
            return (CountRows(decoded.Frames.RootFrame), decoded.Width, decoded.Height);
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
                white += WhiteMaskKernels.Count<TReference>(accessor.GetRowSpan(y));
            }
        });
        return white;
    }

    private static MemoryStream AsStream(ReadOnlyMemory<byte> image) =>
        System.Runtime.InteropServices.MemoryMarshal.TryGetArray(image, out var segment)
            ? new MemoryStream(segment.Array!, segment.Offset, segment.Count, writable: false)
            : new MemoryStream(image.ToArray(), writable: false);
}