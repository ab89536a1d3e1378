namespace ImageGateway.Common.Imaging.Headers;

/// <summary>
/// What a VP8L stream (a lossless image, or a compressed alpha plane) makes ImageSharp 2.1.13 keep:
/// prefix-code groups and colour cache bits size its Huffman tables, a predictor transform doubles
/// its ARGB buffer while inverted, and each sub-image (transform data, entropy image) is kept as ARGB.
/// </summary>
/// <param name="PrefixCodeGroups">
/// The largest group index in the entropy image plus one (1 without one): ImageSharp builds
/// Huffman tables for every one of them outside the image allocator. At most
/// <see cref="WebpHeader.MaxPrefixCodeGroups"/>.
/// </param>
/// <param name="ColorCacheBits">Colour cache bits of the image's codes (0 without a cache): the green alphabet, so each group's tables, grow with it.</param>
/// <param name="Predictor">The stream has a predictor transform (inverted into a second ARGB buffer).</param>
/// <param name="PackedColorIndex">
/// The stream has a colour-indexing transform of 16 colours or fewer (pixels packed several to an
/// ARGB value), which ImageSharp unpacks into a <c>new uint[]</c> of the whole image.
/// </param>
/// <param name="SubImagePixels">Pixels of its sub-images: transform data, colour map and entropy image.</param>
public readonly record struct WebpLosslessStream(int PrefixCodeGroups, int ColorCacheBits, bool Predictor, bool PackedColorIndex, long SubImagePixels)
{
    /// <summary>
    /// The costliest stream a <paramref name="width"/> x <paramref name="height"/> image may have:
    /// what a prefix read answers when the prefix (or its work budget) ended before the group
    /// count. The most groups and cache bits, both transforms that keep a second buffer, and
    /// sub-images of 4x4 tiles for the predictor, colour and entropy images plus a 256-colour map.
    /// </summary>
    public static WebpLosslessStream WorstCase(int width, int height) =>
        new(WebpHeader.MaxPrefixCodeGroups, 11, Predictor: true, PackedColorIndex: true, (3L * ((width + 3) / 4) * ((height + 3) / 4)) + 256);
}

/// <summary>What <see cref="WebpHeader"/> found: the image chunk ImageSharp 2.1.13 decodes and what its decode keeps.</summary>
/// <param name="Width">Width of the image chunk (VP8 frame or VP8L header), equal to the VP8X canvas when there is one.</param>
/// <param name="Height">Height of the image chunk.</param>
/// <param name="Lossless">The lossless (VP8L) stream, or null for a lossy (VP8) image.</param>
/// <param name="AlphaPlane">A lossy image whose ALPH chunk ImageSharp decodes beside it (VP8X alpha flag set).</param>
/// <param name="CompressedAlpha">That alpha plane's lossless stream, decoded by a second lossless decoder; null when it is stored raw.</param>
public sealed record WebpFacts(
    int Width,
    int Height,
    WebpLosslessStream? Lossless,
    bool AlphaPlane,
    WebpLosslessStream? CompressedAlpha)
    : ImageFacts("webp", Width, Height, SampleDepth.Bits8)
{
    /// <summary>ImageSharp's <c>WebpLosslessDecoder.TableSize</c>: Huffman table entries one group needs, by colour cache bits.</summary>
    private static readonly int[] TableSize = [2954, 2956, 2958, 2962, 2970, 2986, 3018, 3082, 3212, 3468, 3980, 5004];

    /// <summary>
    /// What ImageSharp 2.1.13's WebP decoder allocates besides the output frame, from its own sizes:
    /// the chunk's bitstream (copied whole); lossy: the BGRA frame of <c>Vp8Decoder</c> (4 bytes a
    /// pixel) and its row caches; lossless: the ARGB buffer of <c>Vp8LDecoder</c> (4 bytes a pixel),
    /// a second one while a predictor transform is inverted and another while packed colour indices
    /// are unpacked, 4 bytes a sub-image pixel, and the
    /// Huffman tables of every prefix-code group (allocated with <c>new</c>: an array of
    /// <see cref="TableSize"/> 8-byte codes a group, a copy of each group's five trees, the packed
    /// table); an alpha plane: its byte plane plus a lossless decoder's ARGB buffer, and for a
    /// compressed one what its stream keeps.
    /// </summary>
    public override long DecoderBytes(long encodedBytes)
    {
        var rows = 160L * Width;
        var image = Lossless is { } lossless ? Stream(lossless) : 4 * Pixels;
        var alpha = !AlphaPlane ? 0 : (5 * Pixels) + (CompressedAlpha is { } compressed ? Stream(compressed) - (4 * Pixels) : 0);
        return encodedBytes + rows + image + alpha + (16 * 1024);
    }

    private long Stream(WebpLosslessStream stream) =>
        (4 * Pixels)
        + (stream.Predictor ? 4 * Pixels : 0)
        + (stream.PackedColorIndex ? 4 * Pixels : 0)
        + (4 * stream.SubImagePixels)
        + (Math.Max(1, stream.PrefixCodeGroups) * ((2L * TableSize[stream.ColorCacheBits] * 8) + (64 * 8) + 512));
}
