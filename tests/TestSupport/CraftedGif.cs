using System.Buffers.Binary;

namespace ImageGateway.TestSupport;

/// <summary>
/// GIF files put together block by block with a plain LZW encoder (a clear code before the table
/// would grow, so every code is a literal at a fixed size), so a test chooses the screen, the first
/// frame's place, the tables, the extensions and every index.
/// </summary>
public static class CraftedGif
{
    public static readonly byte[] Black = [0, 0, 0];
    public static readonly byte[] White = [255, 255, 255];
    public static readonly byte[] Red = [255, 0, 0];

    /// <summary>The LZW codes of <paramref name="indices"/>, packed LSB first, ended by the end code.</summary>
    public static byte[] Lzw(IReadOnlyList<int> indices, int minCodeSize, bool end = true)
    {
        var clear = 1 << minCodeSize;
        var size = minCodeSize + 1;
        var codes = new List<int> { clear };
        var sinceClear = 0;
        foreach (var index in indices)
        {
            if (sinceClear == clear - 2)
            {
                codes.Add(clear);
                sinceClear = 0;
            }

            codes.Add(index);
            sinceClear++;
        }

        if (end)
        {
            codes.Add(clear + 1);
        }

        var output = new List<byte>();
        int accumulator = 0, bits = 0;
        foreach (var code in codes)
        {
            accumulator |= code << bits;
            bits += size;
            while (bits >= 8)
            {
                output.Add((byte)accumulator);
                accumulator >>= 8;
                bits -= 8;
            }
        }

        if (bits > 0)
        {
            output.Add((byte)accumulator);
        }

        return [.. output];
    }

    /// <summary>Data in sub-blocks of at most 255 bytes, then the zero terminator.</summary>
    public static byte[] SubBlocks(byte[] data)
    {
        var output = new List<byte>();
        for (var i = 0; i < data.Length; i += 255)
        {
            var n = Math.Min(255, data.Length - i);
            output.Add((byte)n);
            output.AddRange(data.AsSpan(i, n).ToArray());
        }

        output.Add(0);
        return [.. output];
    }

    /// <summary>
    /// A GIF89a: screen <paramref name="width"/> x <paramref name="height"/>, optional global table,
    /// optional blocks before the frame, then the first frame with its indices (row by row, or in
    /// interlaced order when <paramref name="interlaced"/>), then the trailer.
    /// </summary>
    public static byte[] Build(
        int width,
        int height,
        byte[][]? globalTable,
        (int Left, int Top, int Width, int Height) frame,
        Func<int, int, int> index,
        int? transparentIndex = null,
        byte[][]? localTable = null,
        bool interlaced = false,
        int minCodeSize = 2,
        byte[]? imageData = null,
        byte[]? beforeFrame = null)
    {
        var output = new List<byte>();
        output.AddRange("GIF89a"u8.ToArray());
        var screen = new byte[7];
        BinaryPrimitives.WriteUInt16LittleEndian(screen, (ushort)width);
        BinaryPrimitives.WriteUInt16LittleEndian(screen.AsSpan(2), (ushort)height);
        if (globalTable is not null)
        {
            screen[4] = (byte)(0x80 | TableBits(globalTable.Length));
        }

        output.AddRange(screen);
        output.AddRange(Table(globalTable));
        output.AddRange(beforeFrame ?? []);
        if (transparentIndex is { } transparent)
        {
            output.AddRange(new byte[] { 0x21, 0xF9, 0x04, 0x01, 0x00, 0x00, (byte)transparent, 0x00 });
        }

        var descriptor = new byte[10];
        descriptor[0] = 0x2C;
        BinaryPrimitives.WriteUInt16LittleEndian(descriptor.AsSpan(1), (ushort)frame.Left);
        BinaryPrimitives.WriteUInt16LittleEndian(descriptor.AsSpan(3), (ushort)frame.Top);
        BinaryPrimitives.WriteUInt16LittleEndian(descriptor.AsSpan(5), (ushort)frame.Width);
        BinaryPrimitives.WriteUInt16LittleEndian(descriptor.AsSpan(7), (ushort)frame.Height);
        descriptor[9] = (byte)((interlaced ? 0x40 : 0) | (localTable is null ? 0 : 0x80 | TableBits(localTable.Length)));
        output.AddRange(descriptor);
        output.AddRange(Table(localTable));
        output.Add((byte)minCodeSize);
        output.AddRange(SubBlocks(imageData ?? Lzw(Indices(frame.Width, frame.Height, index, interlaced), minCodeSize)));
        output.Add(0x3B);
        return [.. output];
    }

    /// <summary>The frame's indices in the order they are coded.</summary>
    public static List<int> Indices(int width, int height, Func<int, int, int> index, bool interlaced)
    {
        var rows = interlaced
            ? Enumerable.Range(0, height).Where(y => y % 8 == 0)
                .Concat(Enumerable.Range(0, height).Where(y => y % 8 == 4))
                .Concat(Enumerable.Range(0, height).Where(y => y % 4 == 2))
                .Concat(Enumerable.Range(0, height).Where(y => y % 2 == 1))
            : Enumerable.Range(0, height);
        return [.. rows.SelectMany(y => Enumerable.Range(0, width).Select(x => index(x, y)))];
    }

    private static int TableBits(int entries)
    {
        var bits = 0;
        while ((2 << bits) < entries)
        {
            bits++;
        }

        return bits;
    }

    private static byte[] Table(byte[][]? table)
    {
        if (table is null)
        {
            return [];
        }

        var entries = 2 << TableBits(table.Length);
        var output = new byte[entries * 3];
        for (var i = 0; i < table.Length; i++)
        {
            table[i].CopyTo(output, i * 3);
        }

        return output;
    }
}
