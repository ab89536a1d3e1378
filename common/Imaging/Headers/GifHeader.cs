using System.Buffers.Binary;

namespace ImageGateway.Common.Imaging.Headers;

/// <summary>
/// The GIF header model: walks the blocks up to and through the first frame the way ImageSharp
/// 2.1.13's <c>GifDecoderCore</c> does (logical screen, global table, extensions by label, stray
/// bytes skipped one at a time, the first image descriptor, its local table and LZW sub-blocks) and
/// refuses where its reading differs from giflib's and Pillow's.
/// </summary>
/// <remarks>
/// Differences found (evidence in <c>docs/formats.md</c> and the tests):
/// <list type="bullet">
/// <item>A first frame larger than or outside the logical screen: ImageSharp clips it to the screen,
/// Pillow grows the image to hold it. Refused.</item>
/// <item>A first frame smaller than the screen: ImageSharp paints the rest black (transparent with a
/// transparent index), Pillow paints it with palette index 0. Refused only when that differs in
/// white: no transparency and palette entry 0 white.</item>
/// <item>No colour table: ImageSharp skips the frame (a black or transparent image), Pillow reads
/// indices as gray levels, so index 255 is white to Pillow only. Refused by the data check when the
/// frame uses index 255 and it is not the transparent index.</item>
/// <item>An interlaced first frame 2 to 4 rows high: ImageSharp moves on one pass a row and writes
/// rows outside the frame or fails. Refused.</item>
/// <item>A graphic control extension that is not exactly 4 bytes and a terminator (ImageSharp reads 6
/// bytes blindly), a NETSCAPE-style application block of 3 bytes not followed by its terminator
/// (ImageSharp skips one byte blindly), an unknown extension label (ImageSharp does not skip its
/// sub-blocks and reads them as blocks): the walks diverge. Refused.</item>
/// <item>An LZW minimum code size outside 2..8: ImageSharp skips the frame below 2 and above 12 and
/// truncates indices to a byte above 8; giflib refuses above 8. Refused.</item>
/// <item>A 0x00 byte where a block starts: ImageSharp stops there (no image). Refused.</item>
/// </list>
/// The LZW codes themselves (indices beyond the colour table, data shorter than the frame) cost a
/// pass over the data; the backend checks them before decoding (<see cref="GifImageData"/>).
/// </remarks>
internal static class GifHeader
{
    private const int ScreenEnd = 13;

    /// <inheritdoc cref="ImageHeaders.Read"/>
    public static HeaderRead Read(ReadOnlySpan<byte> data, bool complete, long? bodyLength)
    {
        if (data.Length < ScreenEnd)
        {
            return Short(data, complete, "its logical screen descriptor");
        }

        int width = BinaryPrimitives.ReadUInt16LittleEndian(data[6..]);
        int height = BinaryPrimitives.ReadUInt16LittleEndian(data[8..]);
        var packed = data[10];
        if (width == 0 || height == 0)
        {
            return HeaderRead.Corrupt($"The GIF's logical screen is {width}x{height}; both sides must be positive.");
        }

        var pos = ScreenEnd;
        var globalEntries = 0;
        var globalTable = -1;
        if ((packed & 0x80) != 0)
        {
            globalEntries = 2 << (packed & 0x07);
            globalTable = pos;
            pos += 3 * globalEntries;
        }

        int? transparent = null;
        var controlSeen = false;
        while (true)
        {
            if (pos >= data.Length)
            {
                return Short(data, complete, "the blocks before its first frame");
            }

            var introducer = data[pos];
            if (introducer == 0x2C)
            {
                return ReadFirstFrame(data, complete, pos, width, height, globalEntries, globalTable, transparent);
            }

            if (introducer == 0x3B)
            {
                return HeaderRead.Corrupt("The GIF ends (trailer) before its first frame.");
            }

            if (introducer == 0x00)
            {
                return HeaderRead.Corrupt($"The GIF has a zero byte at {pos} where a block starts; ImageSharp stops reading there, before any frame.");
            }

            if (introducer != 0x21)
            {
                pos++; // a stray byte: ImageSharp and Pillow both step over it
                continue;
            }

            if (pos + 2 > data.Length)
            {
                return Short(data, complete, "an extension block");
            }

            var label = data[pos + 1];
            pos += 2;
            switch (label)
            {
                case 0xF9:
                    // ImageSharp reads exactly six bytes: size 4, packed, delay (2), index, terminator.
                    if (pos + 6 > data.Length)
                    {
                        return Short(data, complete, "a graphic control extension");
                    }

                    if (data[pos] != 4 || data[pos + 5] != 0)
                    {
                        return HeaderRead.Corrupt("The GIF's graphic control extension is not 4 bytes and a terminator; ImageSharp would read it differently from giflib.");
                    }

                    if (controlSeen)
                    {
                        // ImageSharp keeps the last one's transparency, Pillow any one's (found by
                        // the differential fuzzer); the spec allows one per image.
                        return HeaderRead.Corrupt("The GIF has two graphic control extensions before its first frame; decoders take their transparency from different ones.");
                    }

                    controlSeen = true;
                    transparent = (data[pos + 1] & 0x01) != 0 ? data[pos + 4] : null;
                    pos += 6;
                    break;
                case 0xFF:
                    if (pos + 1 > data.Length)
                    {
                        return Short(data, complete, "an application extension");
                    }

                    if (data[pos] == 11)
                    {
                        // ImageSharp reads the 11-byte identifier, then a 3-byte sub-block (NETSCAPE
                        // looping) is read with the byte after it taken as the terminator.
                        var sub = pos + 12;
                        if (sub + 1 > data.Length)
                        {
                            return Short(data, complete, "an application extension");
                        }

                        if (data[sub] == 3)
                        {
                            if (sub + 5 > data.Length)
                            {
                                return Short(data, complete, "an application extension");
                            }

                            if (data[sub + 4] != 0)
                            {
                                return HeaderRead.Corrupt("The GIF's application extension has a 3-byte sub-block not followed by its terminator; ImageSharp would skip a byte blindly there.");
                            }

                            pos = sub + 5;
                            break;
                        }
                    }

                    pos = SkipSubBlocks(data, pos);
                    break;
                case 0xFE:
                case 0x01:
                    pos = SkipSubBlocks(data, pos);
                    break;
                default:
                    return HeaderRead.Corrupt($"The GIF has an extension with unknown label 0x{label:X2}; ImageSharp does not skip its sub-blocks as giflib does.");
            }

            if (pos < 0)
            {
                return Short(data, complete, "an extension block");
            }
        }
    }

    private static HeaderRead ReadFirstFrame(ReadOnlySpan<byte> data, bool complete, int pos, int width, int height, int globalEntries, int globalTable, int? transparent)
    {
        if (pos + 10 > data.Length)
        {
            return Short(data, complete, "its first image descriptor");
        }

        var frame = new GifFrame(
            BinaryPrimitives.ReadUInt16LittleEndian(data[(pos + 1)..]),
            BinaryPrimitives.ReadUInt16LittleEndian(data[(pos + 3)..]),
            BinaryPrimitives.ReadUInt16LittleEndian(data[(pos + 5)..]),
            BinaryPrimitives.ReadUInt16LittleEndian(data[(pos + 7)..]));
        var packed = data[pos + 9];
        var interlaced = (packed & 0x40) != 0;
        pos += 10;
        var entries = globalEntries;
        var table = globalTable;
        if ((packed & 0x80) != 0)
        {
            entries = 2 << (packed & 0x07);
            table = pos;
            pos += 3 * entries;
        }

        if (frame.Width == 0 || frame.Height == 0)
        {
            return HeaderRead.Corrupt($"The GIF's first frame is {frame.Width}x{frame.Height}; both sides must be positive.");
        }

        if (frame.Left + frame.Width > width || frame.Top + frame.Height > height)
        {
            return HeaderRead.Corrupt($"The GIF's first frame ({frame.Width}x{frame.Height} at {frame.Left},{frame.Top}) does not lie within its {width}x{height} logical screen: ImageSharp clips it to the screen, Pillow grows the image to hold it.");
        }

        if (interlaced && frame.Height is > 1 and < 5)
        {
            return HeaderRead.Corrupt($"The GIF's first frame is interlaced and {frame.Height} rows high: ImageSharp 2.1.13 writes such frames' rows out of place.");
        }

        if (pos + 1 > data.Length)
        {
            return Short(data, complete, "its first frame's colour table");
        }

        if (!frame.Covers(width, height) && transparent is null && entries > 0 && IsWhite(data.Slice(table, 3)))
        {
            return HeaderRead.Corrupt($"The GIF's first frame ({frame.Width}x{frame.Height} at {frame.Left},{frame.Top}) leaves part of its {width}x{height} screen uncovered, and decoders fill that part differently: ImageSharp black, Pillow palette entry 0, which is white here.");
        }

        var minCodeSize = data[pos];
        if (minCodeSize is < 2 or > 8)
        {
            return HeaderRead.Corrupt($"The GIF's first frame has LZW minimum code size {minCodeSize}; giflib accepts 2 to 8 and ImageSharp reads others differently.");
        }

        var facts = new GifFacts(width, height, frame, interlaced, entries, transparent, minCodeSize, pos + 1);
        if (complete && SkipSubBlocks(data, pos + 1) < 0)
        {
            return HeaderRead.Corrupt($"The GIF is truncated: the body ends after {data.Length} bytes, inside its first frame's image data.");
        }

        return HeaderRead.Accept(facts);
    }

    /// <summary>The offset just past the sub-block chain at <paramref name="pos"/> (after its zero terminator), or -1 when the data ends first.</summary>
    internal static int SkipSubBlocks(ReadOnlySpan<byte> data, int pos)
    {
        while (pos < data.Length)
        {
            var size = data[pos];
            pos += 1 + size;
            if (size == 0)
            {
                return pos;
            }
        }

        return -1;
    }

    private static bool IsWhite(ReadOnlySpan<byte> rgb) => rgb[0] == 0xFF && rgb[1] == 0xFF && rgb[2] == 0xFF;

    private static HeaderRead Short(ReadOnlySpan<byte> data, bool complete, string where) => complete
        ? HeaderRead.Corrupt($"The GIF is truncated: the body ends after {data.Length} bytes, inside {where}.")
        : HeaderRead.NeedMoreData;
}
