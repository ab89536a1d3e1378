namespace ImageGateway.Common.Imaging.Headers;

/// <summary>Which white test an image needs: 8-bit samples are white at 255, deeper ones only at 65535.</summary>
public enum SampleDepth
{
    /// <summary>Every sample fits 8 bits: white is 255 in every channel.</summary>
    Bits8,

    /// <summary>Samples deeper than 8 bits: white is 65535 in every channel (0xFF80..0xFFFE are not white).</summary>
    Bits16,
}

/// <summary>
/// What the one header model knows about an image: exactly what ImageSharp 2.1.13 will decode (the
/// format, the size of the frame it produces, the sample depth) and what decoding it costs depends
/// on. Each format's reader returns its own subtype with the facts of that format.
/// </summary>
/// <param name="Format">The short format name (<see cref="SafeImageConfiguration.ShortName"/>).</param>
/// <param name="Width">Width of the decoded frame, in pixels.</param>
/// <param name="Height">Height of the decoded frame, in pixels.</param>
/// <param name="Depth">The white test the image needs.</param>
public abstract record ImageFacts(string Format, int Width, int Height, SampleDepth Depth)
{
    /// <summary>Pixels in the decoded frame.</summary>
    public long Pixels => (long)Width * Height;

    /// <summary>
    /// How many times the decoder works over the whole image (a progressive JPEG: once per scan; an
    /// interlaced PNG: once per pass). Decode deadlines scale by it. Default 1.
    /// </summary>
    public virtual int DecodePasses => 1;

    /// <summary>
    /// The most managed memory the format's decoder keeps besides the decoded frame (one byte a
    /// pixel) while decoding this image: stream copies, tables, rows, coefficients. The format's own
    /// reader knows it; <see cref="DecodeCostEstimator"/> adds the frame and the fixed state. It must
    /// never be below what ImageSharp 2.1.13 really allocates for an image that matches these facts:
    /// a decode that asks for more than its reservation is stopped.
    /// </summary>
    /// <param name="encodedBytes">Length of the whole encoded image (the body).</param>
    public abstract long DecoderBytes(long encodedBytes);
}
