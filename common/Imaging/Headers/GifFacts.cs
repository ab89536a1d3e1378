namespace ImageGateway.Common.Imaging.Headers;

/// <summary>
/// What ImageSharp 2.1.13's GIF decoder will do with an image: it decodes the first frame only
/// (<c>FrameDecodingMode.First</c>) onto an image the size of the logical screen, so the decoded
/// size is the screen's, not the frame's.
/// </summary>
/// <param name="Width">Logical screen width: the decoded width.</param>
/// <param name="Height">Logical screen height: the decoded height.</param>
/// <param name="Frame">The first frame's descriptor: where it lies on the screen and its size.</param>
/// <param name="Interlaced">The first frame is interlaced.</param>
/// <param name="ColorTableEntries">Entries in the table the first frame uses (its local table, else the global one).</param>
/// <param name="TransparentIndex">The transparent index of a graphic control extension before the first frame, if any.</param>
/// <param name="MinCodeSize">The first frame's LZW minimum code size.</param>
/// <param name="ImageDataOffset">Where the first frame's LZW sub-blocks start in the body.</param>
public sealed record GifFacts(
    int Width,
    int Height,
    GifFrame Frame,
    bool Interlaced,
    int ColorTableEntries,
    int? TransparentIndex,
    int MinCodeSize,
    int ImageDataOffset)
    : ImageFacts("gif", Width, Height, SampleDepth.Bits8)
{
    /// <summary>
    /// Measured on ImageSharp 2.1.13 (0.07-0.16 bytes a pixel at 0.3-0.75 Mpx): a row of indices the
    /// first frame's width, LZW tables (about 48 KiB, within the fixed state) and the colour tables.
    /// </summary>
    public override long DecoderBytes(long encodedBytes) => (8L * Width) + Frame.Width;
}

/// <summary>An image descriptor: the frame's position on the logical screen and its size.</summary>
public readonly record struct GifFrame(int Left, int Top, int Width, int Height)
{
    /// <summary>The frame covers the whole screen of <paramref name="width"/> x <paramref name="height"/>.</summary>
    public bool Covers(int width, int height) => Left == 0 && Top == 0 && Width == width && Height == height;
}
