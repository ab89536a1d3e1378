using SixLabors.ImageSharp;
using SixLabors.ImageSharp.Formats;
using SixLabors.ImageSharp.Formats.Bmp;
using SixLabors.ImageSharp.Formats.Gif;
using SixLabors.ImageSharp.Formats.Jpeg;
using SixLabors.ImageSharp.Formats.Pbm;
using SixLabors.ImageSharp.Formats.Png;
using SixLabors.ImageSharp.Formats.Webp;
using SixLabors.ImageSharp.Memory;
using SixLabors.ImageSharp.Metadata;

namespace ImageGateway.Common.Imaging;

/// <summary>
/// The one place that decides which image formats this product accepts and how they are decoded.
/// </summary>
/// <remarks>
/// Registered: PNG, JPEG, GIF, BMP, WebP and the Netpbm family (PBM/PGM/PPM).
/// Not registered, so answered 415:
/// <list type="bullet">
/// <item>TIFF: ImageSharp 2.1.x has unpatched advisories in its TIFF decoder (a BigTIFF IFD loop
/// that never ends); TIFF is rare in uploads and is refused rather than exposed.</item>
/// <item>TGA: the format has no signature, so ImageSharp guesses it from loose header fields; random
/// bytes would be "recognised" as TGA and answered 422 instead of 415.</item>
/// </list>
/// Every decoder ignores metadata: counting needs none, and skipping EXIF/ICC/XMP keeps the ICC
/// parser (the other 2.1.x advisory path) off the request path entirely. GIF decodes its first frame
/// only, so a frame bomb costs one frame.
/// </remarks>
public static class SafeImageConfiguration
{
    /// <summary>Short, stable names of the formats this product accepts, as reported in responses.</summary>
    public static IReadOnlyList<string> AcceptedFormats { get; } = ["png", "jpeg", "gif", "bmp", "webp", "pbm"];

    /// <summary>Creates a configuration with only the accepted formats, metadata ignored.</summary>
    /// <param name="allocator">The memory allocator every decode uses.</param>
    public static Configuration Create(MemoryAllocator allocator)
    {
        ArgumentNullException.ThrowIfNull(allocator);

        var configuration = new Configuration(
            new PngConfigurationModule(),
            new JpegConfigurationModule(),
            new GifConfigurationModule(),
            new BmpConfigurationModule(),
            new WebpConfigurationModule(),
            new PbmConfigurationModule())
        {
            MemoryAllocator = allocator,
            // One request decodes on one thread; parallelism comes from concurrent requests, which
            // admission control can account for. Parallel decode would multiply transient buffers.
            MaxDegreeOfParallelism = 1,
            PreferContiguousImageBuffers = false,
        };

        var formats = configuration.ImageFormatsManager;
        formats.SetDecoder(PngFormat.Instance, new PngDecoder { IgnoreMetadata = true });
        formats.SetDecoder(JpegFormat.Instance, new JpegDecoder { IgnoreMetadata = true });
        formats.SetDecoder(GifFormat.Instance, new GifDecoder { IgnoreMetadata = true, DecodingMode = FrameDecodingMode.First });
        formats.SetDecoder(WebpFormat.Instance, new WebpDecoder { IgnoreMetadata = true });

        // Pixels a run-length BMP leaves out (a row ended early) are palette index 0, as Pillow (the
        // reference) reads them; ImageSharp's default paints them black.
        formats.SetDecoder(BmpFormat.Instance, new BmpDecoder { RleSkippedPixelHandling = RleSkippedPixelHandling.FirstColorOfPalette });
        return configuration;
    }

    /// <summary>
    /// Names the format of <paramref name="header"/> when ImageSharp knows it at all, accepted or not,
    /// so that a 415 can say "TIFF is not accepted" rather than "not an image".
    /// </summary>
    public static string? DetectAnyFormatName(ReadOnlySpan<byte> header)
    {
        var format = Image.DetectFormat(Configuration.Default, header);
        return format is null ? null : ShortName(format);
    }

    /// <summary>The short, lower-case name this product uses for <paramref name="format"/>.</summary>
    public static string ShortName(IImageFormat format)
    {
        ArgumentNullException.ThrowIfNull(format);
        return format.Name.ToLowerInvariant() switch
        {
            "jpeg" or "jpg" => "jpeg",
            var name => name,
        };
    }
}
