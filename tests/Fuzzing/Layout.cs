using System.Buffers.Binary;
using System.Text;

namespace ImageGateway.Fuzzing;

/// <summary>One structure of a file: a chunk, segment, block, token or piece of pixel data.</summary>
/// <param name="Start">Offset of its first byte.</param>
/// <param name="Length">Its bytes, header included.</param>
/// <param name="Name">What it is (for the mutation's description).</param>
internal sealed record Unit(int Start, int Length, string Name)
{
    public int End => Start + Length;
}

/// <summary>How a field holds its number.</summary>
internal enum FieldKind
{
    LittleEndian,
    BigEndian,

    /// <summary>ASCII decimal digits (Netpbm's header); a lie may change the field's length.</summary>
    Decimal,
}

/// <summary>A length, count, dimension or flag field a mutation can lie in.</summary>
internal sealed record Field(int Offset, int Size, FieldKind Kind, string Name, bool Dimension = false)
{
    public ulong Read(ReadOnlySpan<byte> data)
    {
        var bytes = data.Slice(Offset, Size);
        if (Kind == FieldKind.Decimal)
        {
            return ulong.TryParse(bytes, out var parsed) ? parsed : 0;
        }

        ulong value = 0;
        for (var i = 0; i < Size; i++)
        {
            value = Kind == FieldKind.BigEndian ? (value << 8) | bytes[i] : value | ((ulong)bytes[i] << (8 * i));
        }

        return value;
    }
}

/// <summary>
/// A mutator's view of a file: its structures and its fields, found by a deliberately simple walker
/// per format. It is NOT the header model and must not be: it only needs to find the boundaries a
/// mutation cuts at and the fields it lies in, and it stops at the first thing it does not
/// understand (the rest is one unit), so a mutated file still yields a layout.
/// </summary>
internal sealed class Layout
{
    private Layout(string format, byte[] bytes)
    {
        Format = format;
        Bytes = bytes;
    }

    public string Format { get; }

    public byte[] Bytes { get; }

    /// <summary>The structures in file order; the signature or file header is the first.</summary>
    public List<Unit> Units { get; } = [];

    public List<Field> Fields { get; } = [];

    /// <summary>Offsets where one structure ends and the next begins (and 0 and the end).</summary>
    public IEnumerable<int> Boundaries => Units.Select(u => u.Start).Append(Bytes.Length).Distinct();

    /// <summary>Walks <paramref name="bytes"/> as <paramref name="format"/> (a short format name).</summary>
    public static Layout Of(string format, byte[] bytes)
    {
        var layout = new Layout(format, bytes);
        try
        {
            switch (format)
            {
                case "png": layout.Png(); break;
                case "jpeg": layout.Jpeg(); break;
                case "gif": layout.Gif(); break;
                case "bmp": layout.Bmp(); break;
                case "webp": layout.Webp(); break;
                case "pbm": layout.Netpbm(); break;
                default: break;
            }
        }
        catch (ArgumentOutOfRangeException)
        {
            // A field ran past the end of a mutated file: keep what was found.
        }

        layout.CloseGaps();
        return layout;
    }

    /// <summary>Recomputes the CRC of every PNG chunk whose length field is consistent (mutations of data usually keep CRCs right, or every input would be refused for them).</summary>
    public static void FixPngCrcs(byte[] bytes)
    {
        var pos = 8;
        while (pos + 12 <= bytes.Length)
        {
            var length = BinaryPrimitives.ReadUInt32BigEndian(bytes.AsSpan(pos));
            if (length > (uint)(bytes.Length - pos - 12))
            {
                return;
            }

            var crc = System.IO.Hashing.Crc32.HashToUInt32(bytes.AsSpan(pos + 4, 4 + (int)length));
            BinaryPrimitives.WriteUInt32BigEndian(bytes.AsSpan(pos + 8 + (int)length), crc);
            pos += 12 + (int)length;
        }
    }

    private void Add(int start, int length, string name)
    {
        length = Math.Min(length, Bytes.Length - start);
        if (length > 0)
        {
            Units.Add(new Unit(start, length, name));
        }
    }

    private void Field(int offset, int size, FieldKind kind, string name, bool dimension = false)
    {
        if (offset >= 0 && offset + size <= Bytes.Length)
        {
            Fields.Add(new Field(offset, size, kind, name, dimension));
        }
    }

    /// <summary>Whatever no walker claimed becomes units, so units tile the file.</summary>
    private void CloseGaps()
    {
        Units.Sort((a, b) => a.Start.CompareTo(b.Start));
        var tiled = new List<Unit>();
        var pos = 0;
        foreach (var unit in Units)
        {
            if (unit.Start < pos)
            {
                continue;
            }

            if (unit.Start > pos)
            {
                tiled.Add(new Unit(pos, unit.Start - pos, "bytes"));
            }

            tiled.Add(unit);
            pos = unit.End;
        }

        if (pos < Bytes.Length)
        {
            tiled.Add(new Unit(pos, Bytes.Length - pos, "rest"));
        }

        Units.Clear();
        Units.AddRange(tiled);
    }

    private void Png()
    {
        Add(0, 8, "signature");
        var pos = 8;
        while (pos + 12 <= Bytes.Length)
        {
            var length = BinaryPrimitives.ReadUInt32BigEndian(Bytes.AsSpan(pos));
            var type = Encoding.ASCII.GetString(Bytes, pos + 4, 4);
            Field(pos, 4, FieldKind.BigEndian, $"{type} length");
            if (type == "IHDR")
            {
                Field(pos + 8, 4, FieldKind.BigEndian, "IHDR width", dimension: true);
                Field(pos + 12, 4, FieldKind.BigEndian, "IHDR height", dimension: true);
                Field(pos + 16, 1, FieldKind.BigEndian, "IHDR bit depth");
                Field(pos + 17, 1, FieldKind.BigEndian, "IHDR colour type");
                Field(pos + 20, 1, FieldKind.BigEndian, "IHDR interlace");
            }
            else if (type == "acTL" || type == "fcTL")
            {
                Field(pos + 8, 4, FieldKind.BigEndian, $"{type} first field", dimension: true);
                Field(pos + 12, 4, FieldKind.BigEndian, $"{type} second field", dimension: true);
            }

            if (length > (uint)(Bytes.Length - pos - 12))
            {
                Add(pos, Bytes.Length - pos, type + " (cut)");
                return;
            }

            Add(pos, 12 + (int)length, type);
            pos += 12 + (int)length;
        }
    }

    private void Jpeg()
    {
        Add(0, 2, "SOI");
        var pos = 2;
        while (pos + 1 < Bytes.Length)
        {
            if (Bytes[pos] != 0xFF)
            {
                var next = Bytes.AsSpan(pos).IndexOf((byte)0xFF);
                var junk = next < 0 ? Bytes.Length - pos : next;
                Add(pos, junk, "junk");
                pos += junk;
                continue;
            }

            var marker = Bytes[pos + 1];
            if (marker == 0xFF)
            {
                Add(pos, 1, "fill");
                pos++;
                continue;
            }

            if (marker is 0x01 or 0xD8 or 0xD9 or (>= 0xD0 and <= 0xD7))
            {
                Add(pos, 2, $"FF{marker:X2}");
                pos += 2;
                continue;
            }

            if (pos + 4 > Bytes.Length)
            {
                break;
            }

            var length = BinaryPrimitives.ReadUInt16BigEndian(Bytes.AsSpan(pos + 2));
            Field(pos + 2, 2, FieldKind.BigEndian, $"FF{marker:X2} length");
            if (marker is >= 0xC0 and <= 0xCF and not 0xC4 and not 0xC8 and not 0xCC)
            {
                Field(pos + 4, 1, FieldKind.BigEndian, "SOF precision");
                Field(pos + 5, 2, FieldKind.BigEndian, "SOF height", dimension: true);
                Field(pos + 7, 2, FieldKind.BigEndian, "SOF width", dimension: true);
                Field(pos + 9, 1, FieldKind.BigEndian, "SOF component count");
                for (var c = 0; c < 4; c++)
                {
                    Field(pos + 10 + (3 * c), 1, FieldKind.BigEndian, $"SOF component {c} id");
                    Field(pos + 11 + (3 * c), 1, FieldKind.BigEndian, $"SOF component {c} sampling");
                    Field(pos + 12 + (3 * c), 1, FieldKind.BigEndian, $"SOF component {c} table");
                }
            }
            else if (marker == 0xDA)
            {
                Field(pos + 4, 1, FieldKind.BigEndian, "SOS component count");
                Field(pos + 2 + length - 3, 1, FieldKind.BigEndian, "SOS spectral start");
                Field(pos + 2 + length - 2, 1, FieldKind.BigEndian, "SOS spectral end");
                Field(pos + 2 + length - 1, 1, FieldKind.BigEndian, "SOS approximation");
            }
            else if (marker == 0xDD)
            {
                Field(pos + 4, 2, FieldKind.BigEndian, "DRI interval");
            }

            var end = pos + 2 + length;
            if (marker == 0xDA)
            {
                // The entropy-coded data belongs to its scan: up to the next marker that is not a
                // restart marker or a stuffed zero.
                var scan = Math.Min(end, Bytes.Length);
                while (scan + 1 < Bytes.Length && !(Bytes[scan] == 0xFF && Bytes[scan + 1] is not 0x00 and not 0xFF and not (>= 0xD0 and <= 0xD7)))
                {
                    scan++;
                }

                end = scan + 1 >= Bytes.Length ? Bytes.Length : scan;
            }

            Add(pos, end - pos, $"FF{marker:X2}");
            if (end >= Bytes.Length)
            {
                return;
            }

            pos = end;
        }
    }

    private void Gif()
    {
        if (Bytes.Length < 13)
        {
            return;
        }

        Field(6, 2, FieldKind.LittleEndian, "screen width", dimension: true);
        Field(8, 2, FieldKind.LittleEndian, "screen height", dimension: true);
        Field(10, 1, FieldKind.LittleEndian, "screen flags");
        var flags = Bytes[10];
        var pos = 13 + ((flags & 0x80) != 0 ? 3 << ((flags & 7) + 1) : 0);
        Add(0, pos, "header");
        while (pos < Bytes.Length)
        {
            var start = pos;
            switch (Bytes[pos])
            {
                case 0x21:
                    Field(pos + 2, 1, FieldKind.LittleEndian, $"extension {Bytes.ElementAtOrDefault(pos + 1):X2} first block size");
                    pos = SubBlocks(pos + 2);
                    Add(start, pos - start, "extension");
                    break;
                case 0x2C:
                    Field(pos + 1, 2, FieldKind.LittleEndian, "frame left", dimension: true);
                    Field(pos + 3, 2, FieldKind.LittleEndian, "frame top", dimension: true);
                    Field(pos + 5, 2, FieldKind.LittleEndian, "frame width", dimension: true);
                    Field(pos + 7, 2, FieldKind.LittleEndian, "frame height", dimension: true);
                    Field(pos + 9, 1, FieldKind.LittleEndian, "frame flags");
                    var local = pos + 9 < Bytes.Length ? Bytes[pos + 9] : 0;
                    pos += 10 + ((local & 0x80) != 0 ? 3 << ((local & 7) + 1) : 0);
                    Field(pos, 1, FieldKind.LittleEndian, "LZW minimum code size");
                    Field(pos + 1, 1, FieldKind.LittleEndian, "image data first block size");
                    pos = SubBlocks(pos + 1);
                    Add(start, pos - start, "frame");
                    break;
                case 0x3B:
                    Add(pos, 1, "trailer");
                    pos++;
                    break;
                default:
                    return;
            }
        }
    }

    /// <summary>The offset after the sub-blocks starting at <paramref name="pos"/> (their terminator included).</summary>
    private int SubBlocks(int pos)
    {
        while (pos < Bytes.Length && Bytes[pos] != 0)
        {
            pos += 1 + Bytes[pos];
        }

        return Math.Min(pos + 1, Bytes.Length);
    }

    private void Bmp()
    {
        if (Bytes.Length < 26)
        {
            return;
        }

        Field(2, 4, FieldKind.LittleEndian, "file size");
        Field(10, 4, FieldKind.LittleEndian, "pixel offset");
        Field(14, 4, FieldKind.LittleEndian, "info header size");
        var infoSize = (int)Math.Min(BinaryPrimitives.ReadUInt32LittleEndian(Bytes.AsSpan(14)), 256);
        if (infoSize == 12)
        {
            Field(18, 2, FieldKind.LittleEndian, "width", dimension: true);
            Field(20, 2, FieldKind.LittleEndian, "height", dimension: true);
            Field(24, 2, FieldKind.LittleEndian, "bits per pixel");
        }
        else
        {
            Field(18, 4, FieldKind.LittleEndian, "width", dimension: true);
            Field(22, 4, FieldKind.LittleEndian, "height", dimension: true);
            Field(28, 2, FieldKind.LittleEndian, "bits per pixel");
            Field(30, 4, FieldKind.LittleEndian, "compression");
            Field(34, 4, FieldKind.LittleEndian, "image size");
            Field(46, 4, FieldKind.LittleEndian, "colours used");
            Field(54, 4, FieldKind.LittleEndian, "red mask");
        }

        var offset = (int)Math.Min(BinaryPrimitives.ReadUInt32LittleEndian(Bytes.AsSpan(10)), (uint)Bytes.Length);
        Add(0, 14, "file header");
        Add(14, infoSize, "info header");
        if (offset > 14 + infoSize)
        {
            Add(14 + infoSize, offset - 14 - infoSize, "palette");
        }

        // The pixel data in eight pieces, so that dropping, repeating and reordering have rows to work on.
        var start = Math.Max(offset, 14 + infoSize);
        var piece = Math.Max(1, (Bytes.Length - start + 7) / 8);
        for (var p = start; p < Bytes.Length; p += piece)
        {
            Add(p, piece, "pixels");
        }
    }

    private void Webp()
    {
        if (Bytes.Length < 12)
        {
            return;
        }

        Field(4, 4, FieldKind.LittleEndian, "RIFF size");
        Add(0, 12, "RIFF header");
        var pos = 12;
        while (pos + 8 <= Bytes.Length)
        {
            var fourCc = Encoding.ASCII.GetString(Bytes, pos, 4);
            var size = BinaryPrimitives.ReadUInt32LittleEndian(Bytes.AsSpan(pos + 4));
            Field(pos + 4, 4, FieldKind.LittleEndian, $"{fourCc} size");
            switch (fourCc)
            {
                case "VP8X":
                    Field(pos + 8, 1, FieldKind.LittleEndian, "VP8X flags");
                    Field(pos + 12, 3, FieldKind.LittleEndian, "VP8X canvas width - 1", dimension: true);
                    Field(pos + 15, 3, FieldKind.LittleEndian, "VP8X canvas height - 1", dimension: true);
                    break;
                case "VP8 ":
                    Field(pos + 8, 3, FieldKind.LittleEndian, "VP8 frame tag");
                    Field(pos + 14, 2, FieldKind.LittleEndian, "VP8 width", dimension: true);
                    Field(pos + 16, 2, FieldKind.LittleEndian, "VP8 height", dimension: true);
                    break;
                case "VP8L":
                    Field(pos + 8, 1, FieldKind.LittleEndian, "VP8L signature");
                    Field(pos + 9, 4, FieldKind.LittleEndian, "VP8L width-1, height-1, alpha, version bits", dimension: true);
                    break;
                case "ANMF":
                    Field(pos + 14, 3, FieldKind.LittleEndian, "ANMF width - 1", dimension: true);
                    Field(pos + 17, 3, FieldKind.LittleEndian, "ANMF height - 1", dimension: true);
                    break;
                default:
                    break;
            }

            var length = 8 + (long)size + (size & 1);
            if (length > Bytes.Length - pos)
            {
                Add(pos, Bytes.Length - pos, fourCc + " (cut)");
                return;
            }

            Add(pos, (int)length, fourCc);
            pos += (int)length;
        }
    }

    private void Netpbm()
    {
        Add(0, 2, "magic");
        var pos = 2;
        var kind = Bytes.Length > 1 ? Bytes[1] - '0' : 0;
        var tokens = kind is 1 or 4 ? 2 : 3;
        string[] names = ["width", "height", "maxval"];
        for (var t = 0; t < tokens && pos < Bytes.Length; t++)
        {
            var start = pos;
            while (pos < Bytes.Length && (char.IsWhiteSpace((char)Bytes[pos]) || Bytes[pos] == '#'))
            {
                if (Bytes[pos] == '#')
                {
                    while (pos < Bytes.Length && Bytes[pos] is not (byte)'\n' and not (byte)'\r')
                    {
                        pos++;
                    }
                }
                else
                {
                    pos++;
                }
            }

            Add(start, pos - start, "separator");
            start = pos;
            while (pos < Bytes.Length && char.IsAsciiDigit((char)Bytes[pos]))
            {
                pos++;
            }

            if (pos == start)
            {
                return;
            }

            Field(start, pos - start, FieldKind.Decimal, names[t], dimension: t < 2);
            Add(start, pos - start, names[t]);
        }

        // The single separator before the raster, then the raster in eight pieces.
        Add(pos, 1, "separator");
        pos++;
        var piece = Math.Max(1, (Bytes.Length - pos + 7) / 8);
        for (var p = pos; p < Bytes.Length; p += piece)
        {
            Add(p, piece, "raster");
        }
    }
}
