using System.Buffers.Binary;

namespace ImageGateway.TestSupport;

/// <summary>
/// What <see cref="CraftedBmp.Build"/> writes: a "BM" file with any info header size, bit depth,
/// compression field, colour table, gap, masks and pixel data a test needs.
/// </summary>
public sealed record BmpSpec(int Width, int Height, int Bits)
{
    /// <summary>Info header size: 12 (OS/2 core), 40, 64, 108, 124, or anything a test wants to try.</summary>
    public int HeaderSize { get; init; } = 40;

    /// <summary>The compression field (0 BI_RGB, 1 RLE8, 2 RLE4, 3 BI_BITFIELDS...).</summary>
    public uint Compression { get; init; }

    /// <summary>
    /// The colour table as (B, G, R) entries; default for 8 bits and less: entry 1 white, every other
    /// entry a dark gray. Written with 3 bytes an entry in a 12-byte header, else 4.
    /// </summary>
    public IReadOnlyList<(byte B, byte G, byte R)>? Palette { get; init; }

    /// <summary>The header's colour count (biClrUsed); default: the table's length (0 in a core header).</summary>
    public uint? ColorsUsed { get; init; }

    /// <summary>Bytes between the colour table (or masks) and the pixel data.</summary>
    public int Gap { get; init; }

    /// <summary>Channel masks (R, G, B[, A]): after a 40-byte header, or in a larger one.</summary>
    public IReadOnlyList<uint>? Masks { get; init; }

    /// <summary>Rows stored top first (negative height).</summary>
    public bool TopDown { get; init; }

    /// <summary>
    /// The value of pixel (x, y), y from the top: a palette index at 8 bits and less, else the raw
    /// stored value (16 bits: the little-endian word; 24: 0xRRGGBB; 32: 0xAARRGGBB as stored BGRA).
    /// Default: a checker of index 1 and 0 (palette), white and dark (direct colour).
    /// </summary>
    public Func<int, int, uint>? Pixel { get; init; }

    /// <summary>Run-length data to write instead of uncompressed rows.</summary>
    public byte[]? RunLengthData { get; init; }

    /// <summary>The file header's pixel offset, when not the real one.</summary>
    public uint? Offset { get; init; }
}

/// <summary>Hand-written BMPs whose white count (Pillow's reading) is known by construction.</summary>
public static class CraftedBmp
{
    /// <summary>The default palette of <paramref name="entries"/> entries: entry 1 white, the rest dark gray.</summary>
    public static (byte B, byte G, byte R)[] DefaultPalette(int entries) =>
        Enumerable.Range(0, entries).Select(i => i == 1 ? ((byte)255, (byte)255, (byte)255) : ((byte)(i % 200), (byte)(i % 190), (byte)(i % 180))).ToArray();

    /// <summary>Writes <paramref name="spec"/>; returns the file and the pixels Pillow reads as white (uncompressed data only).</summary>
    public static (byte[] Bytes, long WhitePixels) Build(BmpSpec spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        var core = spec.HeaderSize == 12;
        var palette = spec.Palette ?? (spec.Bits <= 8 ? DefaultPalette(1 << spec.Bits) : []);
        var entrySize = core ? 3 : 4;
        var pixel = spec.Pixel ?? (spec.Bits <= 8
            ? (x, y) => (uint)((x + y) % 2)
            : (x, y) => (x + y) % 2 == 0 ? 0xFFFFFFFFu : 0xFF404040u);

        var info = new byte[spec.HeaderSize];
        BinaryPrimitives.WriteInt32LittleEndian(info, spec.HeaderSize);
        if (core)
        {
            BinaryPrimitives.WriteUInt16LittleEndian(info.AsSpan(4), (ushort)spec.Width);
            BinaryPrimitives.WriteUInt16LittleEndian(info.AsSpan(6), (ushort)spec.Height);
            BinaryPrimitives.WriteUInt16LittleEndian(info.AsSpan(8), 1);
            BinaryPrimitives.WriteUInt16LittleEndian(info.AsSpan(10), (ushort)spec.Bits);
        }
        else
        {
            BinaryPrimitives.WriteInt32LittleEndian(info.AsSpan(4), spec.Width);
            BinaryPrimitives.WriteInt32LittleEndian(info.AsSpan(8), spec.TopDown ? -spec.Height : spec.Height);
            BinaryPrimitives.WriteUInt16LittleEndian(info.AsSpan(12), 1);
            BinaryPrimitives.WriteUInt16LittleEndian(info.AsSpan(14), (ushort)spec.Bits);
            if (spec.HeaderSize >= 40)
            {
                BinaryPrimitives.WriteUInt32LittleEndian(info.AsSpan(16), spec.Compression);
                BinaryPrimitives.WriteUInt32LittleEndian(info.AsSpan(32), spec.ColorsUsed ?? (uint)palette.Count);
            }
            if (spec.Masks is { } inHeader && spec.HeaderSize >= 56)
            {
                for (var i = 0; i < inHeader.Count; i++)
                {
                    BinaryPrimitives.WriteUInt32LittleEndian(info.AsSpan(40 + (4 * i)), inHeader[i]);
                }
            }
        }

        using var body = new MemoryStream();
        if (spec.Masks is { } afterHeader && spec.HeaderSize == 40)
        {
            foreach (var mask in afterHeader)
            {
                body.Write(BitConverter.GetBytes(mask));
            }
        }

        foreach (var (b, g, r) in palette)
        {
            body.Write(core ? [b, g, r] : [b, g, r, 0]);
        }

        body.Write(new byte[spec.Gap]);
        var offset = 14 + spec.HeaderSize + (int)body.Length;

        long white = 0;
        if (spec.RunLengthData is { } rle)
        {
            body.Write(rle);
        }
        else
        {
            var stride = ((spec.Width * spec.Bits) + 31) / 32 * 4;
            var rows = new byte[stride * spec.Height];
            for (var y = 0; y < spec.Height; y++)
            {
                var row = rows.AsSpan((spec.TopDown ? y : spec.Height - 1 - y) * stride, stride);
                for (var x = 0; x < spec.Width; x++)
                {
                    var value = pixel(x, y);
                    if (IsWhite(spec, palette, value))
                    {
                        white++;
                    }

                    switch (spec.Bits)
                    {
                        case <= 8:
                            var bit = x * spec.Bits;
                            row[bit / 8] |= (byte)(value << (8 - spec.Bits - (bit % 8)));
                            break;
                        case 16:
                            BinaryPrimitives.WriteUInt16LittleEndian(row[(2 * x)..], (ushort)value);
                            break;
                        case 24:
                            row[3 * x] = (byte)value;
                            row[(3 * x) + 1] = (byte)(value >> 8);
                            row[(3 * x) + 2] = (byte)(value >> 16);
                            break;
                        default:
                            BinaryPrimitives.WriteUInt32LittleEndian(row[(4 * x)..], value);
                            break;
                    }
                }
            }

            body.Write(rows);
        }

        var file = new byte[14 + spec.HeaderSize + body.Length];
        file[0] = (byte)'B';
        file[1] = (byte)'M';
        BinaryPrimitives.WriteInt32LittleEndian(file.AsSpan(2), file.Length);
        BinaryPrimitives.WriteUInt32LittleEndian(file.AsSpan(10), spec.Offset ?? (uint)offset);
        info.CopyTo(file, 14);
        body.ToArray().CopyTo(file, 14 + spec.HeaderSize);
        return (file, white);
    }

    private static bool IsWhite(BmpSpec spec, IReadOnlyList<(byte B, byte G, byte R)> palette, uint value)
    {
        if (spec.Bits <= 8)
        {
            return value < palette.Count && palette[(int)value] == (255, 255, 255);
        }

        if (spec.Masks is { } masks)
        {
            return masks.All(m => (value & m) == m);
        }

        return spec.Bits switch
        {
            16 => (value & 0x7FFF) == 0x7FFF,
            _ => (value & 0xFFFFFF) == 0xFFFFFF, // 24 bits, and 32-bit BI_RGB whose fourth byte is unused
        };
    }
}
