namespace ImageGateway.Common.Imaging;

/// <summary>
/// Estimates, from header facts alone, the most managed memory decoding one image takes at once:
/// the decoded first frame as the backend's one-byte white mask, plus what the format's decoder
/// keeps beside it. The backend admits by it; the gateway weighs uploads by the same figure, so the
/// two agree on what a backend can take. Calibrated by measurement (allocated bytes during decode,
/// ImageSharp 2.1.13, one thread) on generated and corpus images; <c>DecodeCostEstimatorTests</c>
/// holds it to "never below the measured figure, and not far above it". The request body is
/// admitted separately.
/// </summary>
public static class DecodeCostEstimator
{
    /// <summary>Decoder state independent of size: stream buffers, Huffman/LZW tables, zlib's window.</summary>
    public const long FixedBytes = 192 * 1024;

    /// <summary>Bytes a decoded pixel takes: the backend decodes into a one-byte white mask whatever the depth.</summary>
    public const int DecodedBytesPerPixel = 1;

    /// <summary>The estimated peak, in bytes, of decoding the first frame of <paramref name="facts"/>.</summary>
    public static long Estimate(DecodeCostFacts facts)
    {
        ArgumentNullException.ThrowIfNull(facts);
        var output = facts.Pixels * DecodedBytesPerPixel;
        return output + DecoderBytes(facts) + FixedBytes;
    }

    /// <summary>What the decoder keeps besides the output image (measured figures in the comments, ImageSharp 2.1.13).</summary>
    private static long DecoderBytes(DecodeCostFacts facts)
    {
        long width = facts.Width;
        return facts.Format switch
        {
            // The compressed image data is copied whole before inflating (measured: extra = file size),
            // then two scanlines of up to 8 bytes a pixel and a row of the target type.
            "png" => facts.EncodedBytes + (3 * 8 * width),
            // Without a frame header (not in the bytes seen) assume the dearest JPEG: progressive 4:4:4.
            "jpeg" => JpegBytes(facts, facts.Jpeg ?? JpegFrame.ProgressiveFullColour),
            // LZW tables and a row of colours (measured: 0.07-0.16 bytes a pixel at 0.3-0.75 Mpx).
            "gif" => 8 * width,
            // Lossy and lossless alike keep about five bytes a pixel of planes, ARGB and transform data
            // (measured: 4.8-5.25), plus the bitstream; an alpha plane runs a lossless decoder beside
            // the lossy one (measured: 14 bytes a pixel in all at 200x150).
            "webp" => (facts.Pixels * 11 / 2) + facts.EncodedBytes + (64 * width)
                + (facts.WebpAlphaPlane ? (facts.Pixels * 6) + (256 * 1024) : 0),
            // RLE is expanded into a whole-image index buffer before conversion; other BMPs go a row at a time.
            "bmp" => (facts.BmpRunLength ? facts.Pixels * 2 : 0) + (8 * width),
            _ => 8 * width,
        };
    }

    /// <summary>
    /// A baseline decoder keeps one MCU row of coefficients; a progressive one keeps every
    /// coefficient of the image (64 16-bit values a block) until its last scan (measured: 6.2 bytes a
    /// pixel for 4:4:4 colour, 2.1 for gray, on top of the output). Both convert MCU-row strips
    /// through float buffers: one per component, the strip's height, padded width.
    /// </summary>
    private static long JpegBytes(DecodeCostFacts facts, JpegFrame frame)
    {
        var paddedWidth = ((facts.Width + 15L) / 16) * 16;
        var strips = frame.Components.Count * paddedWidth * frame.McuHeight * (long)sizeof(float);
        var coefficients = frame.Progressive ? frame.CoefficientBytes(facts.Width, facts.Height) : frame.McuRowCoefficientBytes(facts.Width);
        return coefficients + strips + (16 * paddedWidth);
    }
}

/// <summary>What decoding cost depends on, from an image's header.</summary>
/// <param name="Format">The short format name (<see cref="SafeImageConfiguration.ShortName"/>).</param>
/// <param name="Width">Width in pixels (the logical screen for GIF).</param>
/// <param name="Height">Height in pixels.</param>
/// <param name="EncodedBytes">Length of the encoded image.</param>
public sealed record DecodeCostFacts(string Format, int Width, int Height, long EncodedBytes)
{
    /// <summary>Pixels in the image.</summary>
    public long Pixels => (long)Width * Height;

    /// <summary>The JPEG frame header (progressive? sampling?); null for other formats.</summary>
    public JpegFrame? Jpeg { get; init; }

    /// <summary>An extended WebP with a separately coded alpha plane, decoded by a second (lossless) decoder.</summary>
    public bool WebpAlphaPlane { get; init; }

    /// <summary>A run-length-encoded BMP, which ImageSharp expands into a whole-image buffer first.</summary>
    public bool BmpRunLength { get; init; }

    /// <summary>Reads the format's cost facts from the first bytes of the image (<paramref name="header"/> must hold its header).</summary>
    public static DecodeCostFacts FromHeader(string format, int width, int height, long encodedBytes, ReadOnlySpan<byte> header) =>
        new(format, width, height, encodedBytes)
        {
            Jpeg = format == "jpeg" ? FormatHeaders.ReadJpegFrame(header) : null,
            BmpRunLength = format == "bmp" && FormatHeaders.IsRunLengthBmp(header),
            WebpAlphaPlane = format == "webp" && FormatHeaders.IsExtendedWebpWithAlpha(header),
        };
}
