using System.Buffers.Binary;

namespace ImageGateway.Gateway.Inspection;

/// <summary>What an image's header says: format and size.</summary>
/// <param name="Format">Short format name (<see cref="ImageGateway.Common.Imaging.SafeImageConfiguration.ShortName"/>).</param>
/// <param name="Width">Width in pixels as declared (for GIF the logical screen).</param>
/// <param name="Height">Height in pixels as declared.</param>
/// <param name="FirstFrameWidth">GIF only: width of the first frame's image descriptor, which the decoder also allocates.</param>
/// <param name="FirstFrameHeight">GIF only: height of the first frame's image descriptor.</param>
public sealed record ImageHeader(string Format, long Width, long Height, long FirstFrameWidth = 0, long FirstFrameHeight = 0)
{
    public long Pixels => Width * Height;
}

/// <summary>The outcome of reading a header from a prefix of the body.</summary>
public readonly record struct HeaderRead(ImageHeader? Header, string? Invalid)
{
    /// <summary>The prefix ends before the header does; more bytes are needed.</summary>
    public static HeaderRead NeedMoreData => default;

    public bool IsNeedMoreData => Header is null && Invalid is null;

    public static HeaderRead Found(ImageHeader header) => new(header, null);

    public static HeaderRead Corrupt(string reason) => new(null, reason);
}

/// <summary>
/// Reads the size of an image from the first bytes of its file, for the formats the product
/// accepts. Pure span code: no allocation, no exceptions, no decoder; each reader stops at the
/// first structure that gives the size and asks for more bytes when the prefix ends before it.
/// </summary>
/// <remarks>
/// Why not ImageSharp's <c>Image.Identify</c> over a MemoryStream of the prefix (measured on 2.1.13,
/// pinned by <c>IdentifyOnPrefixEvidenceTests</c>): a JPEG or BMP prefix that ends before the header
/// throws, so "read more" could only be told from "corrupt" by exception messages; a JPEG with a scan
/// before its frame header throws NullReferenceException; GIF identify reports only the logical
/// screen, not the first frame the decoder allocates (pillow/decompression_bomb.gif: 32x32 screen,
/// 65535x1321 frame); and each retry on a growing prefix would re-parse from the start. These readers
/// touch only fixed-size fields before the size and are checked against the corpus's independently
/// measured sizes.
/// </remarks>
public static class ImageHeaderReader
{
    /// <summary>Reads the header of a <paramref name="format"/> image from <paramref name="prefix"/>.</summary>
    public static HeaderRead Read(string format, ReadOnlySpan<byte> prefix) => format switch
    {
        "png" => ReadPng(prefix),
        "jpeg" => ReadJpeg(prefix),
        "gif" => ReadGif(prefix),
        "bmp" => ReadBmp(prefix),
        "webp" => ReadWebp(prefix),
        "pbm" => ReadNetpbm(prefix),
        _ => HeaderRead.Corrupt($"No header reader for {format}."),
    };

    private static HeaderRead ReadPng(ReadOnlySpan<byte> data)
    {
        // Signature (8), IHDR length (4), "IHDR" (4), width (4), height (4), bit depth (1).
        if (data.Length < 25)
        {
            return HeaderRead.NeedMoreData;
        }

        if (!data.Slice(12, 4).SequenceEqual("IHDR"u8))
        {
            return HeaderRead.Corrupt("The PNG does not start with an IHDR chunk.");
        }

        var width = BinaryPrimitives.ReadUInt32BigEndian(data[16..]);
        var height = BinaryPrimitives.ReadUInt32BigEndian(data[20..]);
        return HeaderRead.Found(new ImageHeader("png", width, height));
    }

    private static HeaderRead ReadJpeg(ReadOnlySpan<byte> data)
    {
        // Walk the markers after SOI up to the first SOFn. Bytes that are not a marker where one is
        // expected are skipped, as ImageSharp's and libjpeg's decoders do ("extraneous bytes").
        var pos = 2;
        while (true)
        {
            while (pos < data.Length && data[pos] != 0xFF)
            {
                pos++;
            }

            while (pos < data.Length && data[pos] == 0xFF)
            {
                pos++; // fill bytes
            }

            if (pos >= data.Length)
            {
                return HeaderRead.NeedMoreData;
            }

            var marker = data[pos++];
            if (marker is 0x00 or 0x01 or 0xD8 || marker is >= 0xD0 and <= 0xD7)
            {
                continue; // stuffed byte, TEM, SOI, RSTn: no length
            }

            if (marker == 0xD9)
            {
                return HeaderRead.Corrupt("The JPEG ends (EOI) before any frame header (SOF).");
            }

            if (marker == 0xDA)
            {
                return HeaderRead.Corrupt("The JPEG has scan data (SOS) before any frame header (SOF).");
            }

            if (pos + 2 > data.Length)
            {
                return HeaderRead.NeedMoreData;
            }

            var length = BinaryPrimitives.ReadUInt16BigEndian(data[pos..]);
            if (length < 2)
            {
                return HeaderRead.Corrupt($"The JPEG has a segment (marker 0x{marker:X2}) of impossible length {length}.");
            }

            if (IsStartOfFrame(marker))
            {
                // Length (2), precision (1), height (2), width (2).
                if (pos + 7 > data.Length)
                {
                    return HeaderRead.NeedMoreData;
                }

                var height = BinaryPrimitives.ReadUInt16BigEndian(data[(pos + 3)..]);
                var width = BinaryPrimitives.ReadUInt16BigEndian(data[(pos + 5)..]);
                return HeaderRead.Found(new ImageHeader("jpeg", width, height));
            }

            pos += length;
        }
    }

    /// <summary>SOF0..SOF15 except DHT (C4), JPG (C8) and DAC (CC).</summary>
    private static bool IsStartOfFrame(byte marker) => marker is >= 0xC0 and <= 0xCF and not (0xC4 or 0xC8 or 0xCC);

    private static HeaderRead ReadGif(ReadOnlySpan<byte> data)
    {
        // Header (6), logical screen width (2), height (2), packed (1), background (1), aspect (1).
        if (data.Length < 13)
        {
            return HeaderRead.NeedMoreData;
        }

        var screenWidth = BinaryPrimitives.ReadUInt16LittleEndian(data[6..]);
        var screenHeight = BinaryPrimitives.ReadUInt16LittleEndian(data[8..]);
        var packed = data[10];
        var pos = 13;
        if ((packed & 0x80) != 0)
        {
            pos += 3 * (1 << ((packed & 0x07) + 1)); // global colour table
        }

        // The decoder allocates the first frame's descriptor size as well as the screen, so walk the
        // extension blocks to the first image descriptor.
        while (true)
        {
            if (pos >= data.Length)
            {
                return HeaderRead.NeedMoreData;
            }

            switch (data[pos])
            {
                case 0x2C: // image descriptor: left, top, width, height (2 each), packed
                    if (pos + 10 > data.Length)
                    {
                        return HeaderRead.NeedMoreData;
                    }

                    var frameWidth = BinaryPrimitives.ReadUInt16LittleEndian(data[(pos + 5)..]);
                    var frameHeight = BinaryPrimitives.ReadUInt16LittleEndian(data[(pos + 7)..]);
                    return HeaderRead.Found(new ImageHeader("gif", screenWidth, screenHeight, frameWidth, frameHeight));
                case 0x21: // extension: label, then data sub-blocks until a zero-length one
                    pos += 2;
                    while (true)
                    {
                        if (pos >= data.Length)
                        {
                            return HeaderRead.NeedMoreData;
                        }

                        var size = data[pos];
                        pos += 1 + size;
                        if (size == 0)
                        {
                            break;
                        }
                    }

                    break;
                case 0x3B:
                    return HeaderRead.Corrupt("The GIF ends (trailer) before its first frame.");
                default:
                    pos++; // tolerate stray bytes between blocks rather than refuse what a decoder may read
                    break;
            }
        }
    }

    private static HeaderRead ReadBmp(ReadOnlySpan<byte> data)
    {
        // File header (14), DIB header size (4), then an OS/2 core header (16-bit sizes) or a
        // Windows header (32-bit sizes, bit count at 28).
        if (data.Length < 18)
        {
            return HeaderRead.NeedMoreData;
        }

        var headerSize = BinaryPrimitives.ReadUInt32LittleEndian(data[14..]);
        if (headerSize == 12)
        {
            if (data.Length < 26)
            {
                return HeaderRead.NeedMoreData;
            }

            return HeaderRead.Found(new ImageHeader("bmp",
                BinaryPrimitives.ReadUInt16LittleEndian(data[18..]),
                BinaryPrimitives.ReadUInt16LittleEndian(data[20..])));
        }

        if (headerSize < 16)
        {
            return HeaderRead.Corrupt($"The BMP declares a {headerSize}-byte info header; the smallest is 12.");
        }

        if (data.Length < 30)
        {
            return HeaderRead.NeedMoreData;
        }

        var width = BinaryPrimitives.ReadInt32LittleEndian(data[18..]);
        var height = BinaryPrimitives.ReadInt32LittleEndian(data[22..]);
        var bits = BinaryPrimitives.ReadUInt16LittleEndian(data[28..]);
        if (width <= 0)
        {
            return HeaderRead.Corrupt($"The BMP declares a width of {width}.");
        }

        // A negative height is a top-down bitmap.
        return HeaderRead.Found(new ImageHeader("bmp", width, Math.Abs((long)height)));
    }

    private static HeaderRead ReadWebp(ReadOnlySpan<byte> data)
    {
        // "RIFF" size "WEBP", then the first chunk's FourCC (12) and size (16); its data at 20.
        if (data.Length < 30)
        {
            return HeaderRead.NeedMoreData;
        }

        var chunk = data.Slice(12, 4);
        if (chunk.SequenceEqual("VP8X"u8))
        {
            // Flags (1), reserved (3), canvas width - 1 (24-bit), canvas height - 1 (24-bit).
            return HeaderRead.Found(new ImageHeader("webp", ReadUInt24(data[24..]) + 1L, ReadUInt24(data[27..]) + 1L));
        }

        if (chunk.SequenceEqual("VP8L"u8))
        {
            if (data[20] != 0x2F)
            {
                return HeaderRead.Corrupt("The lossless WebP bitstream has no 0x2F signature.");
            }

            var bits = BinaryPrimitives.ReadUInt32LittleEndian(data[21..]);
            return HeaderRead.Found(new ImageHeader("webp", (bits & 0x3FFF) + 1L, ((bits >> 14) & 0x3FFF) + 1L));
        }

        if (chunk.SequenceEqual("VP8 "u8))
        {
            // Frame tag (3), start code 9D 01 2A, then 14-bit width and height.
            if (data[23] != 0x9D || data[24] != 0x01 || data[25] != 0x2A)
            {
                return HeaderRead.Corrupt("The lossy WebP key frame has no start code.");
            }

            return HeaderRead.Found(new ImageHeader("webp",
                BinaryPrimitives.ReadUInt16LittleEndian(data[26..]) & 0x3FFF,
                BinaryPrimitives.ReadUInt16LittleEndian(data[28..]) & 0x3FFF));
        }

        return HeaderRead.Corrupt("The WebP's first chunk is none of VP8, VP8L or VP8X.");
    }

    private static int ReadUInt24(ReadOnlySpan<byte> data) => data[0] | (data[1] << 8) | (data[2] << 16);

    private static HeaderRead ReadNetpbm(ReadOnlySpan<byte> data)
    {
        // "P1".."P6", then whitespace-separated decimal width, height and (except P1/P4) maxval,
        // with '#' comments to the end of a line allowed between them.
        if (data.Length < 2)
        {
            return HeaderRead.NeedMoreData;
        }

        var kind = data[1];
        var pos = 2;
        Span<long> values = stackalloc long[3];
        var count = kind is (byte)'1' or (byte)'4' ? 2 : 3;
        for (var i = 0; i < count; i++)
        {
            while (true)
            {
                if (pos >= data.Length)
                {
                    return HeaderRead.NeedMoreData;
                }

                if (data[pos] == (byte)'#')
                {
                    var end = data[pos..].IndexOfAny((byte)'\n', (byte)'\r');
                    if (end < 0)
                    {
                        return HeaderRead.NeedMoreData;
                    }

                    pos += end;
                }
                else if (data[pos] is (byte)' ' or (byte)'\t' or (byte)'\n' or (byte)'\r' or 0x0B or 0x0C)
                {
                    pos++;
                }
                else
                {
                    break;
                }
            }

            var start = pos;
            long value = 0;
            while (pos < data.Length && data[pos] is >= (byte)'0' and <= (byte)'9')
            {
                value = Math.Min(value * 10 + (data[pos] - '0'), int.MaxValue * 16L);
                pos++;
            }

            if (pos >= data.Length)
            {
                return HeaderRead.NeedMoreData; // the number may go on
            }

            if (pos == start)
            {
                return HeaderRead.Corrupt("The Netpbm header has a non-digit where a number belongs.");
            }

            values[i] = value;
        }

        return HeaderRead.Found(new ImageHeader("pbm", values[0], values[1]));
    }
}
