namespace ImageGateway.Common.Imaging.Headers;

/// <summary>How a BMP's pixel data is stored (the accepted subset of the header's compression field).</summary>
public enum BmpCompression
{
    /// <summary>Uncompressed rows (BI_RGB).</summary>
    Rgb,

    /// <summary>Run-length encoded 8-bit indices (BI_RLE8).</summary>
    Rle8,

    /// <summary>Run-length encoded 4-bit indices (BI_RLE4).</summary>
    Rle4,

    /// <summary>Uncompressed 16- or 32-bit pixels with channel masks (BI_BITFIELDS).</summary>
    BitFields,
}

/// <summary>What <see cref="BmpHeader"/> found: the bitmap ImageSharp 2.1.13 decodes and what its decode keeps.</summary>
/// <param name="Width">Bitmap width.</param>
/// <param name="Height">Bitmap height (the absolute value of a top-down bitmap's negative height).</param>
/// <param name="BitsPerPixel">1, 4, 8, 16, 24 or 32.</param>
/// <param name="Compression">How the pixels are stored.</param>
/// <param name="HeaderSize">The info header's size: 12 (OS/2 core), 40, 64 (OS/2 2.x), 108 or 124.</param>
/// <param name="PixelOffset">Where the pixel data starts (the file header's offset).</param>
/// <param name="PaletteEntries">Colours in the colour table (0 above 8 bits a pixel).</param>
/// <param name="PaletteBytes">Bytes ImageSharp allocates for the colour table (with <c>new byte[]</c>, outside the image allocator).</param>
/// <param name="SetColorsUsed">
/// The table has no colour count and ImageSharp would derive its entry size from the gap up to the
/// pixel data (wrongly, as the gap is larger than the table): <see cref="BmpNormaliser"/> writes the
/// count into the header, as the format allows, so ImageSharp reads 4-byte entries like Pillow.
/// </param>
/// <param name="OpaqueFourthByte">
/// A 32-bit BI_RGB bitmap: the fourth byte of each pixel is unused (Pillow reads BGRX) but ImageSharp
/// reads it as alpha; <see cref="BmpNormaliser"/> sets it to 255 so ImageSharp reads the pixels opaque.
/// </param>
public sealed record BmpFacts(
    int Width,
    int Height,
    int BitsPerPixel,
    BmpCompression Compression,
    int HeaderSize,
    long PixelOffset,
    int PaletteEntries,
    long PaletteBytes,
    bool SetColorsUsed,
    bool OpaqueFourthByte)
    : ImageFacts("bmp", Width, Height, SampleDepth.Bits8)
{
    /// <summary>Bytes of one stored row of uncompressed pixels (padded to 4 bytes).</summary>
    public long Stride => ((((long)Width * BitsPerPixel) + 31) / 32) * 4;

    /// <summary>The body must be rewritten by <see cref="BmpNormaliser.Normalise"/> before decoding.</summary>
    public bool NeedsNormalising => SetColorsUsed || OpaqueFourthByte;

    /// <summary>
    /// What ImageSharp 2.1.13's <c>BmpDecoderCore</c> allocates besides the output frame: the colour
    /// table, the run-length decoder's whole-image index buffer plus one "undefined" flag a pixel and
    /// one a row (<c>ReadRle</c>), the row buffers of the uncompressed readers (at most two rows of
    /// four bytes a pixel, <c>ReadRgb32Slow</c>), and the normalised copy of the body when one is needed.
    /// </summary>
    public override long DecoderBytes(long encodedBytes)
    {
        var runLength = Compression is BmpCompression.Rle8 or BmpCompression.Rle4 ? (2 * Pixels) + Height : 0;
        var rows = (8L * Width) + 16;
        var copy = NeedsNormalising ? encodedBytes : 0;
        return runLength + rows + PaletteBytes + copy + 1024;
    }
}
