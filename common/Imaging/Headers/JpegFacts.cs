namespace ImageGateway.Common.Imaging.Headers;

/// <summary>
/// What ImageSharp 2.1.13's JPEG decoder will do with an image, from its frame header.
/// TEMPORARY (headers-png): the pre-issue-10 frame facts under the new contract, until the
/// headers-jpeg reader replaces this file.
/// </summary>
/// <param name="Width">Frame width.</param>
/// <param name="Height">Frame height.</param>
/// <param name="Progressive">A progressive frame (SOF2/6/10/14): every coefficient is kept until the last scan.</param>
/// <param name="Components">Each component's sampling factors.</param>
public sealed record JpegFacts(int Width, int Height, bool Progressive, IReadOnlyList<JpegComponent> Components)
    : ImageFacts("jpeg", Width, Height, SampleDepth.Bits8)
{
    /// <summary>
    /// A baseline decoder keeps one MCU row of coefficients; a progressive one keeps every
    /// coefficient of the image (64 16-bit values a block) until its last scan (measured: 6.2 bytes a
    /// pixel for 4:4:4 colour, 2.1 for gray, on top of the output). Both convert MCU-row strips
    /// through float buffers: one per component, the strip's height, padded width.
    /// </summary>
    public override long DecoderBytes(long encodedBytes)
    {
        var paddedWidth = ((Width + 15L) / 16) * 16;
        var hMax = Components.Max(c => c.Horizontal);
        var vMax = Components.Max(c => c.Vertical);
        long mcusX = (Width + (8 * hMax) - 1) / (8 * hMax);
        long mcusY = (Height + (8 * vMax) - 1) / (8 * vMax);
        var strips = Components.Count * paddedWidth * (8 * vMax) * (long)sizeof(float);
        var coefficients = Progressive
            ? Components.Sum(c => mcusX * c.Horizontal * mcusY * c.Vertical) * 128
            : Components.Sum(c => mcusX * c.Horizontal * c.Vertical) * 128;
        return coefficients + strips + (16 * paddedWidth);
    }
}

/// <summary>One JPEG component's horizontal and vertical sampling factors.</summary>
public readonly record struct JpegComponent(int Horizontal, int Vertical);
