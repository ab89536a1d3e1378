namespace ImageGateway.Common.Imaging.Headers;

/// <summary>
/// What ImageSharp 2.1.13's WebP decoder will do with an image. TEMPORARY (headers-png): the
/// pre-issue-10 facts under the new contract, until the headers-jpeg reader replaces this file.
/// </summary>
/// <param name="Width">Canvas (VP8X) or frame width.</param>
/// <param name="Height">Canvas (VP8X) or frame height.</param>
/// <param name="AlphaPlane">An extended WebP flagging alpha: a lossless alpha decoder runs beside the lossy one.</param>
public sealed record WebpFacts(int Width, int Height, bool AlphaPlane)
    : ImageFacts("webp", Width, Height, SampleDepth.Bits8)
{
    /// <summary>
    /// Lossy and lossless alike keep about five bytes a pixel of planes, ARGB and transform data
    /// (measured: 4.8-5.25), plus the bitstream; an alpha plane runs a lossless decoder beside the
    /// lossy one (measured: 14 bytes a pixel in all at 200x150).
    /// </summary>
    public override long DecoderBytes(long encodedBytes) =>
        (Pixels * 11 / 2) + encodedBytes + (64L * Width) + (AlphaPlane ? (Pixels * 6) + (256 * 1024) : 0);
}
