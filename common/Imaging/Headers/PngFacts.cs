namespace ImageGateway.Common.Imaging.Headers;

/// <summary>What ImageSharp 2.1.13's PNG decoder will do with an image, from its one IHDR and its chunk walk.</summary>
/// <param name="Width">IHDR width.</param>
/// <param name="Height">IHDR height.</param>
/// <param name="BitDepth">Bits per sample (or per palette index): 1, 2, 4, 8 or 16.</param>
/// <param name="ColorType">0 gray, 2 RGB, 3 palette, 4 gray + alpha, 6 RGBA.</param>
/// <param name="Interlaced">Adam7 interlacing.</param>
/// <param name="ImageDataBytes">The IDAT chunks' data seen so far, in bytes (all of it when the body was complete).</param>
/// <param name="EmptyDataChunks">
/// Zero-length IDAT chunks seen. Valid PNG, but ImageSharp 2.1.13 takes one as the end of the image
/// data when it falls on a read boundary and leaves the rest of the image zero;
/// <see cref="PngImageData"/> drops them before decoding.
/// </param>
public sealed record PngFacts(int Width, int Height, int BitDepth, int ColorType, bool Interlaced, long ImageDataBytes, int EmptyDataChunks)
    : ImageFacts("png", Width, Height, BitDepth == 16 ? SampleDepth.Bits16 : SampleDepth.Bits8)
{
    /// <summary>Samples per pixel of the colour type.</summary>
    public int Channels => ColorType switch
    {
        2 => 3,
        4 => 2,
        6 => 4,
        _ => 1,
    };

    /// <summary>Adam7 decodes seven passes over the image.</summary>
    public override int DecodePasses => Interlaced ? 7 : 1;

    /// <summary>
    /// The filtered, uncompressed image data the decoder must inflate: one filter byte per row (of
    /// each Adam7 pass) plus the packed samples.
    /// </summary>
    public long RawDataBytes
    {
        get
        {
            var bitsPerPixel = (long)BitDepth * Channels;
            if (!Interlaced)
            {
                return Height * (1 + (((Width * bitsPerPixel) + 7) / 8));
            }

            long total = 0;
            for (var pass = 0; pass < 7; pass++)
            {
                long columns = Adam7Count(Width, Adam7FirstColumn[pass], Adam7ColumnStep[pass]);
                long rows = Adam7Count(Height, Adam7FirstRow[pass], Adam7RowStep[pass]);
                if (columns > 0)
                {
                    total += rows * (1 + (((columns * bitsPerPixel) + 7) / 8));
                }
            }

            return total;
        }
    }

    /// <summary>
    /// Measured on ImageSharp 2.1.13: every chunk is read whole through the image allocator to check
    /// its CRC, and the first IDAT chunk is held while the image data is inflated (at most the body
    /// once more); two scanlines and a row of 8-bit samples for depths under 8. Dropping empty IDAT
    /// chunks first (<see cref="PngImageData.Prepare"/>) copies the body once more.
    /// </summary>
    public override long DecoderBytes(long encodedBytes) =>
        encodedBytes + (EmptyDataChunks > 0 ? encodedBytes : 0) + (3 * ((8L * Width) + 16));

    private static readonly int[] Adam7FirstRow = [0, 0, 4, 0, 2, 0, 1];
    private static readonly int[] Adam7FirstColumn = [0, 4, 0, 2, 0, 1, 0];
    private static readonly int[] Adam7RowStep = [8, 8, 8, 4, 4, 2, 2];
    private static readonly int[] Adam7ColumnStep = [8, 8, 4, 4, 2, 2, 1];

    private static long Adam7Count(long size, int first, int step) => size <= first ? 0 : ((size - first + step - 1) / step);
}
