using System.Buffers.Binary;
using System.Numerics;
using ImageGateway.Common.Problems;

namespace ImageGateway.Common.Imaging.Headers;

/// <summary>
/// The header model for BMP. The reference is Pillow's <c>BmpImagePlugin</c> (9.4), which reads far
/// less than ImageSharp 2.1.13's <c>BmpDecoderCore</c>; a BMP is accepted only where the two read the
/// same pixels:
/// <list type="bullet">
/// <item>Refused where Pillow does not read the file (bitmap arrays "BA", 16/52/56-byte info headers,
/// 2- and 64-bit pixels, RLE24, Huffman, embedded JPEG/PNG, BI_ALPHABITFIELDS, channel masks Pillow
/// does not know) or ImageSharp would read something else (a pixel offset inside the headers, a
/// colour table past it, run-length data whose runs cross rows or use deltas, an end of bitmap before
/// the last pixel, palette indices beyond the table, palettes Pillow mistakes for gray ramps).</item>
/// <item>Normalised where the file is valid and only ImageSharp misreads it (<see cref="BmpNormaliser"/>):
/// a colour table whose size ImageSharp derives from the pixel offset, the unused fourth byte of 32-bit
/// BI_RGB pixels that ImageSharp takes for alpha.</item>
/// <item>Checked before any allocation: the pixel offset (from which ImageSharp sizes the colour table
/// it allocates with <c>new byte[]</c>) and the pixel data against the body's length.</item>
/// </list>
/// The walk reads the headers, the colour table and, for palette images, the pixel indices (a
/// run-length stream command by command); linear in the bytes given, nothing allocated. A prefix
/// (<c>complete</c> false: the gateway's peek) is read only up to the pixel data: the facts are all
/// in the headers, and the passes over the pixels are left to the whole body's read.
/// </summary>
internal static class BmpHeader
{
    /// <summary>ImageSharp's <c>BmpInfoHeader.VerifyDimensions</c> limit.</summary>
    public const int MaxDimension = 65535;

    private const int FileHeaderSize = 14;

    /// <summary>Reads the BMP in <paramref name="data"/> (see the header model's contract in <see cref="HeaderRead"/>).</summary>
    public static HeaderRead Read(ReadOnlySpan<byte> data, bool complete, long? bodyLength)
    {
        if (data.Length < 2)
        {
            return Short(data, complete, "its signature");
        }

        if (data[0] == 'B' && data[1] == 'A')
        {
            return Unsupported("The BMP is an OS/2 bitmap array (BA): Pillow does not read them and ImageSharp decodes only the first bitmap inside; send that bitmap itself.");
        }

        if (data[0] != 'B' || data[1] != 'M')
        {
            return HeaderRead.Corrupt($"The BMP does not start with BM (it starts {data[0]:X2} {data[1]:X2}).");
        }

        if (data.Length < FileHeaderSize + 4)
        {
            return Short(data, complete, "its headers");
        }

        var offset = BinaryPrimitives.ReadUInt32LittleEndian(data[10..]);
        var headerSize = BinaryPrimitives.ReadUInt32LittleEndian(data[14..]);

        // ImageSharp sizes the colour table it allocates with new byte[] from the pixel offset, before
        // it checks the offset against the stream: check it against the body first.
        var length = complete ? data.Length : bodyLength;
        if (length is { } available && offset > available)
        {
            return HeaderRead.Corrupt($"The BMP's pixel data offset ({offset}) is past the end of the {available}-byte body.");
        }
        if (headerSize is 16 or 52 or 56 || headerSize is > 108 and < 124)
        {
            return Unsupported($"The BMP has a {headerSize}-byte info header; Pillow reads 12, 40, 64, 108 and 124.");
        }

        if (headerSize is not (12 or 40 or 64 or 108 or 124))
        {
            return HeaderRead.Corrupt($"The BMP has a {headerSize}-byte info header, which no decoder reads.");
        }

        var headersEnd = FileHeaderSize + (int)headerSize;
        if (data.Length < headersEnd)
        {
            return Short(data, complete, "its info header");
        }

        var info = data[FileHeaderSize..headersEnd];
        var core = headerSize == 12;
        long width = core ? BinaryPrimitives.ReadUInt16LittleEndian(info[4..]) : BinaryPrimitives.ReadInt32LittleEndian(info[4..]);
        long height = core ? BinaryPrimitives.ReadUInt16LittleEndian(info[6..]) : BinaryPrimitives.ReadInt32LittleEndian(info[8..]);
        int bits = BinaryPrimitives.ReadUInt16LittleEndian(info[(core ? 10 : 14)..]);
        var compressionField = core ? 0u : BinaryPrimitives.ReadUInt32LittleEndian(info[16..]);
        var colorsUsed = core ? 0u : BinaryPrimitives.ReadUInt32LittleEndian(info[32..]);
        var topDown = height < 0;
        height = Math.Abs(height);

        if (width <= 0 || height == 0 || width > MaxDimension || height > MaxDimension)
        {
            return HeaderRead.Corrupt($"The BMP is {width}x{(topDown ? -height : height)}; both sides must be 1 to {MaxDimension}.");
        }

        if (compressionField is 4 or 5 && headerSize != 64)
        {
            return Unsupported("BMPs that embed JPEG or PNG data (BI_JPEG, BI_PNG) are not accepted; send the JPEG or PNG itself.");
        }

        if (bits is 2 or 64)
        {
            return Unsupported($"The BMP has {bits} bits a pixel, which Pillow does not read.");
        }

        if (bits is not (1 or 4 or 8 or 16 or 24 or 32))
        {
            return HeaderRead.Corrupt($"The BMP declares {bits} bits a pixel; valid values are 1, 4, 8, 16, 24 and 32.");
        }

        var compression = Compression(compressionField, headerSize, bits, out var refusal);
        if (compression is null)
        {
            return refusal!.Value;
        }

        // BI_BITFIELDS masks: after a 40-byte header, inside the larger ones.
        var masksEnd = headersEnd;
        if (compression == BmpCompression.BitFields)
        {
            if (headerSize == 40)
            {
                masksEnd += 12;
                if (data.Length < masksEnd)
                {
                    return Short(data, complete, "its channel masks");
                }
            }

            var masks = headerSize == 40 ? data[headersEnd..masksEnd] : info[40..56];
            var masksRefused = CheckMasks(masks, bits, alpha: headerSize != 40);
            if (masksRefused is { } refusedMasks)
            {
                return refusedMasks;
            }
        }

        // The colour table. Pillow reads `colors` entries right after the headers (whatever the pixel
        // offset says); ImageSharp reads the count's worth, or without a count sizes the table from the
        // pixel offset and divides it among 2^bits entries. Both read the same colours for the first
        // `entries`; a pixel index at or beyond them is refused below.
        var entries = 0;
        long paletteBytes = 0;
        var setColorsUsed = false;
        var dataStart = (long)masksEnd;
        if (bits <= 8)
        {
            var entrySize = core ? 3 : 4;
            var colors = colorsUsed != 0 ? colorsUsed : 1u << bits;
            if (colors > 256)
            {
                return HeaderRead.Corrupt($"The BMP declares {colors} colours; Pillow reads palettes of at most 256.");
            }

            if (offset == headersEnd)
            {
                return HeaderRead.Corrupt($"The BMP's pixel data starts right after its headers (byte {offset}), leaving no room for its colour table; Pillow and ImageSharp read it differently.");
            }

            if (offset < headersEnd)
            {
                return HeaderRead.Corrupt($"The BMP's pixel data offset ({offset}) points inside its headers (they end at byte {headersEnd}).");
            }

            var room = offset - headersEnd;
            if (colorsUsed != 0)
            {
                if (4L * colorsUsed > room)
                {
                    return HeaderRead.Corrupt($"The BMP's colour table of {colorsUsed} entries runs past the start of its pixel data (byte {offset}); ImageSharp refuses it.");
                }

                entries = (int)colorsUsed;
                paletteBytes = 4L * colorsUsed;
            }
            else
            {
                var imageSharpEntry = Math.Max(3, room / (1L << bits));
                if (imageSharpEntry == entrySize)
                {
                    entries = (int)Math.Min(1L << bits, room / entrySize);
                    paletteBytes = room;
                }
                else if (core)
                {
                    return HeaderRead.Corrupt($"The OS/2 BMP has {room} bytes between its headers and its pixel data; ImageSharp would read its colour table in entries of {imageSharpEntry} bytes instead of 3.");
                }
                else
                {
                    // A table with a gap after it (or one shorter than 2^bits entries): ImageSharp would
                    // get the entry size wrong; the normalised body states the count instead.
                    setColorsUsed = true;
                    entries = (int)Math.Min(1L << bits, room / 4);
                    paletteBytes = 4L * entries;
                }
            }

            // Pillow reads `colors` entries from right after the headers, into the pixel data or
            // short at the end of the file if need be, and drops the table when it looks gray.
            if (entries == 0)
            {
                return HeaderRead.Corrupt($"The BMP leaves {room} bytes for its colour table, not one entry's worth.");
            }

            var pillowEnd = (int)Math.Min(data.Length, headersEnd + ((long)entrySize * colors));
            var gray = PillowGrayRamp(data[headersEnd..pillowEnd], entrySize, (int)colors);
            if (gray == 0)
            {
                if (!complete)
                {
                    return HeaderRead.NeedMoreData;
                }

                gray = null; // Pillow reads a table cut short by the end of the file as it is: not gray
            }

            if (gray is { } grayBits && grayBits != bits)
            {
                return Unsupported($"The {bits}-bit BMP's colour table is {(colors == 2 ? "black and white" : "a gray ramp")}: Pillow then reads the pixels as {grayBits}-bit and gets them wrong.");
            }

            dataStart = headersEnd + paletteBytes;
        }
        else if (colorsUsed != 0)
        {
            // ImageSharp reads (and allocates) a colour table for any depth when the count is set.
            var imageSharpBytes = unchecked((int)colorsUsed * 4);
            if (imageSharpBytes > 0)
            {
                paletteBytes = imageSharpBytes;
                if (masksEnd + (long)imageSharpBytes > offset)
                {
                    return HeaderRead.Corrupt($"The BMP declares a colour table of {colorsUsed} entries that runs past the start of its pixel data (byte {offset}); ImageSharp refuses it.");
                }
            }
        }

        if (offset < dataStart)
        {
            return HeaderRead.Corrupt($"The BMP's pixel data offset ({offset}) points inside its headers (they end at byte {dataStart}).");
        }

        var runLength = compression is BmpCompression.Rle8 or BmpCompression.Rle4;
        if (runLength && offset % 2 != 0)
        {
            return HeaderRead.Corrupt($"The BMP's run-length data starts at an odd offset ({offset}); Pillow and ImageSharp align its runs differently.");
        }

        var facts = new BmpFacts(
            (int)width,
            (int)height,
            bits,
            compression.Value,
            (int)headerSize,
            offset,
            entries,
            paletteBytes,
            setColorsUsed,
            compression == BmpCompression.Rgb && bits == 32);

        // A prefix (the gateway's peek) is read up to the pixel data: every fact is in the headers,
        // and the passes over the pixels (run-length commands, palette indices) are left to the
        // whole body's read.
        var pixels = offset < (ulong)data.Length ? data[(int)offset..] : [];
        if (runLength)
        {
            // Run-length data has no size to check before it is walked (a prefix's declared length
            // says nothing about how many pixels the runs cover); the whole body's read walks it.
            var rle = complete ? RunLengthData(pixels, facts) : null;
            if (rle is { } refusedRle)
            {
                return refusedRle;
            }
        }
        else
        {
            // Both decoders read a last row whose padding is missing.
            var needed = offset + (facts.Stride * (height - 1)) + ((width * bits) + 7) / 8;
            if (length is { } known && needed > known)
            {
                return HeaderRead.Corrupt($"The BMP is truncated: its {width}x{height} pixels need {needed} bytes, the body has {known}.");
            }

            if (bits <= 8 && entries < 1 << bits && complete)
            {
                var indices = Indices(pixels, facts);
                if (indices is { } refusedIndices)
                {
                    return refusedIndices;
                }
            }
        }

        return HeaderRead.Accept(facts);
    }

    private static BmpCompression? Compression(uint field, uint headerSize, int bits, out HeaderRead? refusal)
    {
        refusal = null;
        switch (field)
        {
            case 0:
                return BmpCompression.Rgb;
            case 1 when bits == 8:
                return BmpCompression.Rle8;
            case 2 when bits == 4:
                return BmpCompression.Rle4;
            case 1 or 2:
                refusal = HeaderRead.Corrupt($"The BMP is {(field == 1 ? "RLE8" : "RLE4")}-compressed with {bits} bits a pixel; RLE8 needs 8, RLE4 needs 4.");
                return null;
            case 3 when headerSize == 64:
                refusal = Unsupported("The OS/2 BMP is Huffman-compressed, which neither decoder reads.");
                return null;
            case 4 when headerSize == 64:
                refusal = Unsupported("The OS/2 BMP is RLE24-compressed, which Pillow does not read.");
                return null;
            case 3 when bits is 16 or 32:
                return BmpCompression.BitFields;
            case 3:
                refusal = Unsupported($"The BMP uses channel masks with {bits} bits a pixel; accepted with 16 and 32.");
                return null;
            case 4 or 5:
                refusal = Unsupported("BMPs that embed JPEG or PNG data (BI_JPEG, BI_PNG) are not accepted; send the JPEG or PNG itself.");
                return null;
            case 6:
                refusal = Unsupported("The BMP uses BI_ALPHABITFIELDS, which Pillow does not read.");
                return null;
            default:
                refusal = HeaderRead.Corrupt($"The BMP declares compression {field}, which no decoder reads.");
                return null;
        }
    }

    /// <summary>Pillow reads only these channel masks (<c>BmpImagePlugin</c> SUPPORTED), and ImageSharp reads them the same way.</summary>
    private static HeaderRead? CheckMasks(ReadOnlySpan<byte> masks, int bits, bool alpha)
    {
        var r = BinaryPrimitives.ReadUInt32LittleEndian(masks);
        var g = BinaryPrimitives.ReadUInt32LittleEndian(masks[4..]);
        var b = BinaryPrimitives.ReadUInt32LittleEndian(masks[8..]);
        var a = alpha ? BinaryPrimitives.ReadUInt32LittleEndian(masks[12..]) : 0;
        var known = bits == 16
            ? (r, g, b) is (0xF800, 0x7E0, 0x1F) or (0x7C00, 0x3E0, 0x1F)
            : (r, g, b, a) is (0xFF0000, 0xFF00, 0xFF, 0) or (0xFF000000, 0xFF0000, 0xFF00, 0) or (0xFF000000, 0xFF0000, 0xFF00, 0xFF)
                or (0xFF, 0xFF00, 0xFF0000, 0xFF000000) or (0xFF0000, 0xFF00, 0xFF, 0xFF000000);
        return known
            ? null
            : Unsupported($"The {bits}-bit BMP's channel masks (R {r:X8}, G {g:X8}, B {b:X8}, A {a:X8}) are not ones Pillow reads.");
    }

    /// <summary>
    /// The bit depth Pillow reads the pixels at when it drops a colour table that looks gray (a
    /// 2-colour black/white table: 1 bit; entry i = (i, i, i) for every entry: 8 bits); null when the
    /// table is not gray; 0 when the bytes end before that is known.
    /// </summary>
    private static int? PillowGrayRamp(ReadOnlySpan<byte> table, int entrySize, int entries)
    {
        for (var i = 0; i < entries; i++)
        {
            if ((i * entrySize) + 3 > table.Length)
            {
                return 0;
            }

            var value = entries == 2 ? (i == 0 ? 0 : 255) : i;
            var entry = table.Slice(i * entrySize, 3);
            if (entry[0] != value || entry[1] != value || entry[2] != value)
            {
                return null;
            }
        }

        return entries == 2 ? 1 : 8;
    }

    /// <summary>Refuses a palette index at or beyond the table (ImageSharp fails on it, Pillow maps it to a gray ramp).</summary>
    private static HeaderRead? Indices(ReadOnlySpan<byte> pixels, BmpFacts facts)
    {
        var stride = (int)facts.Stride;
        var bits = facts.BitsPerPixel;
        var entries = facts.PaletteEntries;
        var fullBytes = facts.Width * bits / 8;
        var rowBytes = ((facts.Width * bits) + 7) / 8;
        for (var y = 0; y < facts.Height && ((long)y * stride) + rowBytes <= pixels.Length; y++)
        {
            var row = pixels.Slice(y * stride, rowBytes);
            var bad = bits switch
            {
                8 => row[..fullBytes].IndexOfAnyInRange((byte)entries, (byte)255) >= 0,
                4 => BadNibbles(row[..fullBytes], entries) || (facts.Width % 2 == 1 && row[fullBytes] >> 4 >= entries),
                _ => row[..fullBytes].IndexOfAnyExcept((byte)0) >= 0 || (facts.Width % 8 != 0 && (row[fullBytes] & (0xFF00 >> (facts.Width % 8))) != 0),
            };
            if (bad)
            {
                // Find the index for the detail (once, off the fast path).
                for (var x = 0; x < facts.Width; x++)
                {
                    var bit = x * bits;
                    var index = (row[bit / 8] >> (8 - bits - (bit % 8))) & ((1 << bits) - 1);
                    if (index >= entries)
                    {
                        return BeyondTable(index, facts);
                    }
                }
            }
        }

        return null;
    }

    /// <summary>
    /// Whether a byte of packed 4-bit indices holds one at or beyond <paramref name="entries"/> (1 to
    /// 15), a vector of bytes at a time; <see cref="BadNibblesScalar"/> is the reference it is tested
    /// against, and reads the tail.
    /// </summary>
    internal static bool BadNibbles(ReadOnlySpan<byte> bytes, int entries)
    {
        var i = 0;
        if (Vector.IsHardwareAccelerated)
        {
            var high = new Vector<byte>((byte)(entries << 4));
            var low = new Vector<byte>((byte)entries);
            var mask = new Vector<byte>(0x0F);
            for (; i + Vector<byte>.Count <= bytes.Length; i += Vector<byte>.Count)
            {
                var v = new Vector<byte>(bytes[i..]);
                if (Vector.GreaterThanOrEqualAny(v, high) || Vector.GreaterThanOrEqualAny(v & mask, low))
                {
                    return true;
                }
            }
        }

        return BadNibblesScalar(bytes[i..], entries);
    }

    /// <summary><see cref="BadNibbles"/> a byte at a time.</summary>
    internal static bool BadNibblesScalar(ReadOnlySpan<byte> bytes, int entries)
    {
        foreach (var b in bytes)
        {
            if (b >> 4 >= entries || (b & 0x0F) >= entries)
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>
    /// Walks BI_RLE8/BI_RLE4 data as both ImageSharp (<c>UncompressRle8/4</c>) and Pillow
    /// (<c>BmpRleDecoder</c>) read it, refusing every command on which they part: a run that crosses
    /// the end of a row (Pillow clips it, ImageSharp wraps it to the next row), data after a full row
    /// without an end of line, a delta (Pillow 9.4 reads two bytes too many), an odd absolute run in
    /// RLE4 (Pillow drops its last pixel), an end of bitmap before the last pixel (Pillow refuses the
    /// file), an index beyond the colour table, data cut short.
    /// </summary>
    private static HeaderRead? RunLengthData(ReadOnlySpan<byte> rle, BmpFacts facts)
    {
        var rle4 = facts.Compression == BmpCompression.Rle4;
        var width = facts.Width;
        var total = (long)width * facts.Height;
        long count = 0;
        var x = 0;
        var p = 0;
        while (count < total)
        {
            if (p + 2 > rle.Length)
            {
                return RleTruncated(facts, count, total);
            }

            int first = rle[p];
            int second = rle[p + 1];
            p += 2;
            if (first != 0)
            {
                if (x == width || x + first > width)
                {
                    return RleCrossesRow(facts, count, x, first);
                }

                var high = rle4 ? second >> 4 : second;
                var low = rle4 ? second & 0x0F : second;
                if (high >= facts.PaletteEntries || (first > 1 && low >= facts.PaletteEntries))
                {
                    return BeyondTable(high >= facts.PaletteEntries ? high : low, facts);
                }

                x += first;
                count += first;
                continue;
            }

            switch (second)
            {
                case 0:
                    count += x == 0 ? 0 : width - x;
                    x = 0;
                    break;
                case 1:
                    if (count < total)
                    {
                        return HeaderRead.Corrupt($"The BMP's run-length data ends its bitmap after {count} of {total} pixels; Pillow refuses that, ImageSharp fills the rest.");
                    }

                    break;
                case 2:
                    return HeaderRead.Corrupt("The BMP's run-length data uses a delta (skip) command, which Pillow 9.4 misreads; the decoders would place the pixels differently.");
                default:
                    if (rle4 && second % 2 != 0)
                    {
                        return HeaderRead.Corrupt($"The RLE4 BMP has an absolute run of {second} pixels; Pillow reads odd runs one pixel short.");
                    }

                    if (x == width || x + second > width)
                    {
                        return RleCrossesRow(facts, count, x, second);
                    }

                    var bytes = rle4 ? (second + 1) / 2 : second;
                    if (p + bytes > rle.Length)
                    {
                        return RleTruncated(facts, count, total);
                    }

                    for (var i = 0; i < second; i++)
                    {
                        var index = rle4 ? (rle[p + (i / 2)] >> (i % 2 == 0 ? 4 : 0)) & 0x0F : rle[p + i];
                        if (index >= facts.PaletteEntries)
                        {
                            return BeyondTable(index, facts);
                        }
                    }

                    p += bytes + (bytes & 1);
                    x += second;
                    count += second;
                    break;
            }
        }

        return null;
    }

    private static HeaderRead RleCrossesRow(BmpFacts facts, long count, int x, int run) =>
        HeaderRead.Corrupt($"The BMP's run-length data has a run of {run} pixels at column {x} of row {count / facts.Width} (width {facts.Width}) without an end of line; Pillow clips it to the row, ImageSharp carries it into the next.");

    private static HeaderRead RleTruncated(BmpFacts facts, long count, long total) =>
        HeaderRead.Corrupt($"The BMP is truncated: its run-length data ends after {count} of its {total} pixels ({facts.Width}x{facts.Height}).");

    private static HeaderRead BeyondTable(int index, BmpFacts facts) =>
        HeaderRead.Corrupt($"The BMP uses palette index {index}, beyond its colour table of {facts.PaletteEntries} entries; ImageSharp fails on it and Pillow makes it a shade of gray.");

    private static HeaderRead Short(ReadOnlySpan<byte> data, bool complete, string what) =>
        complete
            ? HeaderRead.Corrupt($"The BMP is truncated: the body ends after {data.Length} bytes, inside {what}.")
            : HeaderRead.NeedMoreData;

    private static HeaderRead Unsupported(string detail) => HeaderRead.Refuse(ProblemTypes.UnsupportedFormat, detail);
}
