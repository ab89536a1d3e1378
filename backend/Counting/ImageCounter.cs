using ImageGateway.Common.Imaging;
using ImageGateway.Common.Problems;
using Microsoft.Extensions.Options;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.Formats;
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
            using var stream = AsStream(image);
            info = Image.Identify(_configuration, stream, out _);
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
        return new ImageFacts(name, info.Width, info.Height, NeedsSixteenBits(format, info));
    }

    /// <summary>Decodes the first frame of <paramref name="image"/> and counts its white pixels.</summary>
    /// <exception cref="ImageRejectedException">Not an image, an unaccepted format, corrupt, or over a limit.</exception>
    /// <exception cref="OutOfMemoryException">The process has no room for this decode now.</exception>
    public CountResult Count(ReadOnlyMemory<byte> image, CancellationToken cancellationToken = default)
    {
        var facts = Identify(image);
        cancellationToken.ThrowIfCancellationRequested();
        var white = facts.SixteenBit ? Decode<Rgba64>(image, facts) : Decode<Rgba32>(image, facts);
        return new CountResult(white, facts.Width, facts.Height, facts.Format);
    }

    private long Decode<TPixel>(ReadOnlyMemory<byte> image, ImageFacts facts)
        where TPixel : unmanaged, IPixel<TPixel>
    {
        Image<TPixel> decoded;
        try
        {
            using var stream = AsStream(image);
            decoded = Image.Load<TPixel>(_configuration, stream);
        }
        catch (InvalidMemoryOperationException ex)
        {
            throw new ImageRejectedException(ProblemTypes.ImageTooLarge,
                $"Decoding this {facts.Width}x{facts.Height} {facts.Format} image needs more memory than one image may use.", ex);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            throw new ImageRejectedException(ProblemTypes.CorruptImage, $"The {facts.Format} image could not be decoded: {ex.Message}", ex);
        }

        using (decoded)
        {
            return CountRows(decoded.Frames.RootFrame);
        }
    }

    private static long CountRows<TPixel>(ImageFrame<TPixel> frame)
        where TPixel : unmanaged, IPixel<TPixel>
    {
        long white = 0;
        frame.ProcessPixelRows(accessor =>
        {
            for (var y = 0; y < accessor.Height; y++)
            {
                white += CountRow(accessor.GetRowSpan(y));
            }
        });
        return white;
    }

    private static int CountRow<TPixel>(Span<TPixel> row)
        where TPixel : unmanaged, IPixel<TPixel>
    {
        if (typeof(TPixel) == typeof(Rgba32))
        {
            return WhitePixelCounter.Count(System.Runtime.InteropServices.MemoryMarshal.Cast<TPixel, Rgba32>(row));
        }

        if (typeof(TPixel) == typeof(Rgba64))
        {
            return WhitePixelCounter.Count(System.Runtime.InteropServices.MemoryMarshal.Cast<TPixel, Rgba64>(row));
        }

        throw new NotSupportedException($"No white-pixel kernel for {typeof(TPixel).Name}.");
    }

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

    /// <summary>
    /// True when a channel may carry more than 8 bits: converting such samples to 8 bits would round
    /// 0xFF80..0xFFFE up to 0xFF and count them white, so they are decoded at 16 bits instead.
    /// </summary>
    private static bool NeedsSixteenBits(IImageFormat format, IImageInfo info) => format switch
    {
        PngFormat => info.Metadata.GetPngMetadata().BitDepth == PngBitDepth.Bit16,
        PbmFormat => info.Metadata.GetPbmMetadata().ComponentType == PbmComponentType.Short,
        _ => false,
    };

    private static MemoryStream AsStream(ReadOnlyMemory<byte> image) =>
        System.Runtime.InteropServices.MemoryMarshal.TryGetArray(image, out var segment)
            ? new MemoryStream(segment.Array!, segment.Offset, segment.Count, writable: false)
            : new MemoryStream(image.ToArray(), writable: false);
}

/// <summary>What the header says: the short format name, the size, and whether samples are 16-bit.</summary>
public sealed record ImageFacts(string Format, int Width, int Height, bool SixteenBit);
