using System.Runtime.InteropServices;
using ImageGateway.Common.Imaging;
using ImageGateway.Common.Problems;
using Microsoft.Extensions.Options;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.Formats;
using SixLabors.ImageSharp.Formats.Bmp;
using SixLabors.ImageSharp.Formats.Gif;
using SixLabors.ImageSharp.Formats.Jpeg;
using SixLabors.ImageSharp.Formats.Pbm;
using SixLabors.ImageSharp.Formats.Webp;
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
        var jpeg = format is JpegFormat ? FormatHeaders.ReadJpegFrame(image.Span) : null;
        if (format is JpegFormat && jpeg is null)
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

        return new ImageFacts(name, info.Width, info.Height, ChoosePixel(format, info, image.Span, jpeg))
        {
            Jpeg = jpeg,
            EncodedBytes = image.Length,
            BmpRunLength = format is BmpFormat && FormatHeaders.IsRunLengthBmp(image.Span),
            WebpAlphaPlane = format is WebpFormat && FormatHeaders.IsExtendedWebpWithAlpha(image.Span),
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
        var white = facts.Pixel switch
        {
            DecodePixel.Gray8 => Decode<L8>(image, facts),
            DecodePixel.Rgb24 => Decode<Rgb24>(image, facts),
            DecodePixel.Rgba32 => Decode<Rgba32>(image, facts),
            _ => Decode<Rgba64>(image, facts),
        };
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
        if (typeof(TPixel) == typeof(L8))
        {
            return WhitePixelCounter.Count(MemoryMarshal.Cast<TPixel, L8>(row));
        }

        if (typeof(TPixel) == typeof(Rgb24))
        {
            return WhitePixelCounter.Count(MemoryMarshal.Cast<TPixel, Rgb24>(row));
        }

        if (typeof(TPixel) == typeof(Rgba32))
        {
            return WhitePixelCounter.Count(MemoryMarshal.Cast<TPixel, Rgba32>(row));
        }

        if (typeof(TPixel) == typeof(Rgba64))
        {
            return WhitePixelCounter.Count(MemoryMarshal.Cast<TPixel, Rgba64>(row));
        }

        throw new NotSupportedException($"No white-pixel kernel for {typeof(TPixel).Name}.");
    }

    /// <summary>
    /// The cheapest exact pixel type (see <see cref="DecodePixel"/>). Alpha is assumed wherever the
    /// format can carry it and the header does not rule it out; more than 8 bits a sample keeps 16.
    /// </summary>
    private static DecodePixel ChoosePixel(IImageFormat format, IImageInfo info, ReadOnlySpan<byte> bytes, JpegFrame? jpeg)
    {
        switch (format)
        {
            case PngFormat:
                var png = info.Metadata.GetPngMetadata();
                if (png.BitDepth == PngBitDepth.Bit16)
                {
                    return DecodePixel.Rgba64;
                }

                if (FormatHeaders.PngHasTransparencyChunk(bytes))
                {
                    return DecodePixel.Rgba32;
                }

                return png.ColorType switch
                {
                    PngColorType.Grayscale => DecodePixel.Gray8,
                    PngColorType.Rgb or PngColorType.Palette => DecodePixel.Rgb24,
                    _ => DecodePixel.Rgba32,
                };
            case JpegFormat:
                return jpeg!.Components.Count == 1 ? DecodePixel.Gray8 : DecodePixel.Rgb24;
            case BmpFormat:
                return info.Metadata.GetBmpMetadata().BitsPerPixel is BmpBitsPerPixel.Pixel24 or BmpBitsPerPixel.Pixel8
                    or BmpBitsPerPixel.Pixel4 or BmpBitsPerPixel.Pixel1 ? DecodePixel.Rgb24 : DecodePixel.Rgba32;
            case WebpFormat:
                return FormatHeaders.IsSimpleLossyWebp(bytes) ? DecodePixel.Rgb24 : DecodePixel.Rgba32;
            case PbmFormat:
                var pbm = info.Metadata.GetPbmMetadata();
                return pbm.ComponentType == PbmComponentType.Short ? DecodePixel.Rgba64
                    : pbm.ColorType == PbmColorType.Rgb ? DecodePixel.Rgb24 : DecodePixel.Gray8;
            default:
                return DecodePixel.Rgba32;
        }
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

    private static MemoryStream AsStream(ReadOnlyMemory<byte> image) =>
        System.Runtime.InteropServices.MemoryMarshal.TryGetArray(image, out var segment)
            ? new MemoryStream(segment.Array!, segment.Offset, segment.Count, writable: false)
            : new MemoryStream(image.ToArray(), writable: false);
}

/// <summary>What the header says: the short format name, the size, and the pixel type counting needs.</summary>
public sealed record ImageFacts(string Format, int Width, int Height, DecodePixel Pixel)
{
    /// <summary>Pixels in the image.</summary>
    public long Pixels => (long)Width * Height;

    /// <summary>The JPEG frame header (progressive? sampling?); null for other formats.</summary>
    public JpegFrame? Jpeg { get; init; }

    /// <summary>Length of the encoded image in bytes.</summary>
    public long EncodedBytes { get; init; }

    /// <summary>An extended WebP with a separately coded alpha plane, decoded by a second (lossless) decoder.</summary>
    public bool WebpAlphaPlane { get; init; }

    /// <summary>A run-length-encoded BMP, which ImageSharp expands into a whole-image buffer first.</summary>
    public bool BmpRunLength { get; init; }
}
