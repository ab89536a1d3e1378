using ImageGateway.Backend.Counting;

namespace ImageGateway.Backend.Admission;

/// <summary>
/// Estimates, from header facts alone, the most managed memory decoding one image takes at once:
/// the decoded first frame at the pixel type counting needs, plus what the format's decoder keeps
/// beside it. Calibrated by measurement (allocated bytes during decode, ImageSharp 2.1.13, one
/// thread) on generated and corpus images; <c>DecodeCostEstimatorTests</c> holds it to
/// "never below the measured figure, and not far above it". The request body is admitted separately.
/// </summary>
public static class DecodeCostEstimator
{
    /// <summary>Decoder state independent of size: stream buffers, Huffman/LZW tables, zlib's window.</summary>
    public const long FixedBytes = 192 * 1024;

    /// <summary>The estimated peak, in bytes, of decoding the first frame of <paramref name="facts"/>.</summary>
    public static long Estimate(ImageFacts facts)
    {
        ArgumentNullException.ThrowIfNull(facts);
        var output = facts.Pixels * facts.Pixel.BytesPerPixel();
        return output + DecoderBytes(facts) + FixedBytes;
    }

    /// <summary>What the decoder keeps besides the output image.</summary>
    private static long DecoderBytes(ImageFacts facts)
    {
        long width = facts.Width;
        return facts.Format switch
        {
            // Two scanlines (current and previous) of up to 8 bytes a pixel, and a row of the target
            // pixel type for conversion.
            "png" => (2 * ((8 * width) + 1)) + (8 * width),
            "jpeg" => JpegBytes(facts, facts.Jpeg!),
            // The first frame's palette indices (one byte a pixel of the frame, which may be larger
            // than the screen) and a row of colours.
            "gif" => facts.GifFirstFramePixels + (4 * width),
            // Lossy: Y, U and V planes with borders (1.5 bytes a pixel) plus per-macroblock state;
            // lossless: the whole image as 32-bit ARGB, plus transform data.
            "webp" => facts.Pixel == DecodePixel.Rgb24 ? (facts.Pixels * 2) + (64 * width) : (facts.Pixels * 5) + (64 * width),
            // RLE is expanded into a whole-image index buffer before conversion; other BMPs go a row at a time.
            "bmp" => (facts.BmpRunLength ? facts.Pixels * 2 : 0) + (8 * width),
            _ => 8 * width,
        };
    }

    /// <summary>
    /// A baseline decoder keeps one MCU row of coefficients; a progressive one keeps every
    /// coefficient of the image (64 16-bit values a block) until its last scan. Both convert
    /// MCU-row strips through float buffers: one per component, the strip's height, padded width.
    /// </summary>
    private static long JpegBytes(ImageFacts facts, JpegFrame frame)
    {
        var paddedWidth = ((facts.Width + 15L) / 16) * 16;
        var strips = frame.Components.Count * paddedWidth * frame.McuHeight * sizeof(float) * 2L;
        var coefficients = frame.Progressive ? frame.CoefficientBytes(facts.Width, facts.Height) : frame.McuRowCoefficientBytes(facts.Width);
        return coefficients + strips + (16 * paddedWidth);
    }
}
