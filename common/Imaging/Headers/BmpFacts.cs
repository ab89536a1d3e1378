namespace ImageGateway.Common.Imaging.Headers;

/// <summary>
/// What ImageSharp 2.1.13's BMP decoder will do with an image. TEMPORARY (headers-png): the
/// pre-issue-10 facts under the new contract, until the headers-jpeg reader replaces this file.
/// </summary>
/// <param name="Width">Width from the info header.</param>
/// <param name="Height">Height (a top-down bitmap's negative height as positive).</param>
/// <param name="RunLength">RLE4/RLE8: ImageSharp expands it into a whole-image buffer first.</param>
public sealed record BmpFacts(int Width, int Height, bool RunLength)
    : ImageFacts("bmp", Width, Height, SampleDepth.Bits8)
{
    /// <summary>RLE is expanded into a whole-image index buffer before conversion; other BMPs go a row at a time.</summary>
    public override long DecoderBytes(long encodedBytes) => (RunLength ? Pixels * 2 : 0) + (8L * Width);
}
