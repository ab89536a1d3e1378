using ImageGateway.Common.Imaging.Headers;

namespace ImageGateway.Common.Imaging;

/// <summary>
/// Estimates, from the header model's facts alone, the most managed memory decoding one image takes
/// at once: the decoded first frame as the backend's one-byte white mask, what the format's decoder
/// keeps beside it (<see cref="ImageFacts.DecoderBytes"/>, each format's measured figure) and the
/// decoder state that does not depend on size. The backend admits by it; the gateway weighs uploads
/// by the same figure, so the two agree on what a backend can take. <c>DecodeCostEstimatorTests</c>
/// hold it to "never below the measured figure, and not far above it". The request body is
/// admitted separately.
/// </summary>
public static class DecodeCostEstimator
{
    /// <summary>Decoder state independent of size: stream buffers, Huffman/LZW tables, zlib's window.</summary>
    public const long FixedBytes = 192 * 1024;

    /// <summary>Bytes a decoded pixel takes: the backend decodes into a one-byte white mask whatever the depth.</summary>
    public const int DecodedBytesPerPixel = 1;

    /// <summary>The estimated peak, in bytes, of decoding the first frame of an image of <paramref name="encodedBytes"/> bytes.</summary>
    public static long Estimate(ImageFacts facts, long encodedBytes)
    {
        ArgumentNullException.ThrowIfNull(facts);
        return (facts.Pixels * DecodedBytesPerPixel) + facts.DecoderBytes(encodedBytes) + FixedBytes;
    }
}
