namespace ImageGateway.TestSupport;

/// <summary>
/// Writes progressive JPEGs (SOF2) of flat 8x8 blocks, byte by byte: one interleaved DC scan, every
/// quantiser 1, 1x1 sampling. Each block is white (Y 255, Cb = Cr = 128) or dark gray (Y 64), so the
/// white-pixel count is known by construction and independent of any decoder. A progressive decoder
/// must still hold every coefficient of the image until the end, which is what these images are for.
/// </summary>
public static class ProgressiveJpeg
{
    // The standard luminance DC Huffman table (ITU T.81 K.3): code lengths per length 1..16, values 0..11.
    private static readonly byte[] DcBits = [0, 1, 5, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0, 0];

    /// <summary>
    /// A <paramref name="width"/> x <paramref name="height"/> progressive JPEG with <paramref name="components"/>
    /// components (1 gray, 3 YCbCr) whose block (bx, by) is white when <paramref name="isWhite"/> says so.
    /// </summary>
    /// <returns>The file and the number of white pixels in it.</returns>
    public static (byte[] Bytes, long WhitePixels) Create(int width, int height, int components, Func<int, int, bool> isWhite)
    {
        ArgumentNullException.ThrowIfNull(isWhite);
        if (components is not (1 or 3))
        {
            throw new ArgumentOutOfRangeException(nameof(components), components, "1 or 3");
        }

        using var ms = new MemoryStream();
        ms.Write([0xFF, 0xD8]);

        // DQT: table 0, 8-bit, all ones.
        ms.Write([0xFF, 0xDB, 0x00, 67, 0x00]);
        ms.Write(Enumerable.Repeat((byte)1, 64).ToArray());

        // SOF2: progressive, 8-bit samples, components 1..n with 1x1 sampling and table 0.
        var sof = new List<byte> { 0xFF, 0xC2, 0x00, (byte)(8 + (3 * components)), 8, (byte)(height >> 8), (byte)height, (byte)(width >> 8), (byte)width, (byte)components };
        for (var c = 1; c <= components; c++)
        {
            sof.AddRange([(byte)c, 0x11, 0x00]);
        }

        ms.Write(sof.ToArray());

        // DHT: DC table 0.
        ms.Write([0xFF, 0xC4, 0x00, (byte)(2 + 1 + 16 + 12), 0x00]);
        ms.Write(DcBits);
        ms.Write(Enumerable.Range(0, 12).Select(v => (byte)v).ToArray());

        // SOS: all components interleaved, DC only (Ss 0, Se 0), first pass (Ah 0, Al 0).
        var sos = new List<byte> { 0xFF, 0xDA, 0x00, (byte)(6 + (2 * components)), (byte)components };
        for (var c = 1; c <= components; c++)
        {
            sos.AddRange([(byte)c, 0x00]);
        }

        sos.AddRange([0x00, 0x00, 0x00]);
        ms.Write(sos.ToArray());

        var codes = CanonicalCodes();
        var bits = new JpegBitWriter(ms);
        var predictors = new int[components];
        long white = 0;
        var blocksX = (width + 7) / 8;
        var blocksY = (height + 7) / 8;
        for (var by = 0; by < blocksY; by++)
        {
            for (var bx = 0; bx < blocksX; bx++)
            {
                var blockWhite = isWhite(bx, by);
                if (blockWhite)
                {
                    white += (long)Math.Min(8, width - (bx * 8)) * Math.Min(8, height - (by * 8));
                }

                for (var c = 0; c < components; c++)
                {
                    // Level-shifted sample times 8 (the DC of a flat block with quantiser 1); chroma is neutral.
                    var dc = c == 0 ? ((blockWhite ? 255 : 64) - 128) * 8 : 0;
                    var diff = dc - predictors[c];
                    predictors[c] = dc;
                    var size = diff == 0 ? 0 : 32 - int.LeadingZeroCount(Math.Abs(diff));
                    bits.Write(codes[size].Code, codes[size].Length);
                    if (size > 0)
                    {
                        bits.Write(diff > 0 ? diff : diff + (1 << size) - 1, size);
                    }
                }
            }
        }

        bits.Flush();
        ms.Write([0xFF, 0xD9]);
        return (ms.ToArray(), white);
    }

    private static (int Code, int Length)[] CanonicalCodes()
    {
        var codes = new (int Code, int Length)[12];
        var code = 0;
        var value = 0;
        for (var length = 1; length <= 16; length++)
        {
            for (var i = 0; i < DcBits[length - 1]; i++)
            {
                codes[value++] = (code++, length);
            }

            code <<= 1;
        }

        return codes;
    }
}
