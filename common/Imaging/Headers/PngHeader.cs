using System.Buffers.Binary;

namespace ImageGateway.Common.Imaging.Headers;

/// <summary>
/// The PNG header model: walks every chunk in the bytes given the way ImageSharp 2.1.13's
/// <c>PngDecoderCore</c> steps through them (length, type, data, CRC; it skips the signature, reads
/// every chunk whole, creates the image from the IHDR current at the first IDAT and inflates the run
/// of IDAT chunks that follows), and refuses what libpng refuses where ImageSharp is laxer.
/// </summary>
/// <remarks>
/// Chunk by chunk, ImageSharp 2.1.13 against libpng (both read by <c>docs/formats.md</c>):
/// <list type="bullet">
/// <item>IHDR: ImageSharp takes the one current at the first IDAT, Identify reports the last one, and
/// it does not require IHDR first; libpng requires exactly one, first. Refused otherwise.</item>
/// <item>Adam7 narrower than 5 pixels: ImageSharp skips an empty pass without moving to the next
/// pass's first row, reads rows the encoder never wrote and loops forever or fails (measured for
/// every width 1-4, height 1-7); 5 and wider decode right at every height. Refused.</item>
/// <item>IDAT chunks after another chunk that followed IDAT: ImageSharp starts a second inflate in
/// the middle of the stream (an interlaced image then loops forever), Pillow and libpng stop. Refused.</item>
/// <item>Zero-length IDAT: valid; ImageSharp ends the image data there when it falls on a read
/// boundary. Counted (<see cref="PngFacts.EmptyDataChunks"/>) and dropped before decoding.</item>
/// <item>A chunk longer than the body: ImageSharp re-reads the next 4 bytes as a length until one
/// fits, walking a different structure. Refused as truncated.</item>
/// <item>PLTE (allocated with <c>new byte[length]</c> outside the image allocator, as is tRNS):
/// more than 256 entries, not whole entries, a second one, after IDAT, or missing for a palette
/// image: libpng refuses each. Refused (and so capped at 768 bytes).</item>
/// <item>tRNS: a second one, before PLTE, longer than the palette, or not 2 (gray) / 6 (RGB) bytes,
/// or a bad CRC: libpng ignores such a chunk, ImageSharp applies it, so the counts differ. After
/// IDAT: libpng and ImageSharp ignore it, Pillow applies it. Refused.</item>
/// <item>An unknown critical chunk (upper-case first letter) or an invalid chunk name: libpng
/// refuses; ImageSharp ignores it. Refused. CgBI (Apple): ImageSharp throws. Refused.</item>
/// </list>
/// Not seen here: whether the zlib data holds the whole image. That costs an inflate, which the
/// gateway cannot afford per upload; the backend checks it before decoding (<see cref="PngImageData"/>).
/// CRCs of critical chunks are left to the decoder, which refuses a mismatch as libpng does.
/// </remarks>
internal static class PngHeader
{
    private const int SignatureLength = 8;

    /// <summary>The largest PLTE: 256 entries of 3 bytes.</summary>
    public const int MaxPaletteBytes = 256 * 3;

    /// <inheritdoc cref="ImageHeaders.Read"/>
    public static HeaderRead Read(ReadOnlySpan<byte> data, bool complete, long? bodyLength)
    {
        if (data.Length < SignatureLength)
        {
            return complete ? HeaderRead.Corrupt($"The PNG ends after {data.Length} bytes, inside its signature.") : HeaderRead.NeedMoreData;
        }

        long total = complete ? data.Length : bodyLength ?? long.MaxValue;
        var walk = default(Walk);
        long pos = SignatureLength;
        while (pos + 8 <= data.Length)
        {
            var length = BinaryPrimitives.ReadUInt32BigEndian(data[(int)pos..]);
            var type = data.Slice((int)pos + 4, 4);
            if (length > int.MaxValue)
            {
                return HeaderRead.Corrupt($"The PNG's {ChunkName(type)} chunk declares {length} bytes; PNG lengths stop at 2^31-1.");
            }

            if (!IsLetters(type))
            {
                return HeaderRead.Corrupt($"The PNG has a chunk whose type is not four letters (0x{BinaryPrimitives.ReadUInt32BigEndian(type):X8}) at byte {pos}.");
            }

            var end = pos + 12 + length;
            if (end > total)
            {
                return HeaderRead.Corrupt($"The PNG is truncated: its {ChunkName(type)} chunk at byte {pos} needs {end} bytes, the body has {total}.");
            }

            // The chunk's data, when all of it is in the bytes given.
            var whole = end <= data.Length;
            var chunk = whole ? data.Slice((int)pos + 8, (int)length) : default;
            if (walk.Chunks == 0 && !type.SequenceEqual("IHDR"u8))
            {
                return HeaderRead.Corrupt($"The PNG's first chunk is {ChunkName(type)}, not IHDR.");
            }

            if (type.SequenceEqual("IHDR"u8))
            {
                if (walk.Header is not null)
                {
                    return HeaderRead.Corrupt("The PNG has a second IHDR chunk; libpng refuses it, and ImageSharp would decode one and report another.");
                }

                if (length != 13)
                {
                    return HeaderRead.Corrupt($"The PNG's IHDR chunk is {length} bytes long; it must be 13.");
                }

                if (!whole)
                {
                    break;
                }

                if (ReadIhdr(chunk) is { } invalid)
                {
                    return invalid;
                }

                walk.Header = (BinaryPrimitives.ReadInt32BigEndian(chunk), BinaryPrimitives.ReadInt32BigEndian(chunk[4..]), chunk[8], chunk[9], chunk[12] == 1);
            }
            else if (type.SequenceEqual("PLTE"u8))
            {
                if (walk.PaletteEntries > 0)
                {
                    return HeaderRead.Corrupt("The PNG has a second PLTE chunk; libpng refuses it.");
                }

                if (walk.DataSeen)
                {
                    return HeaderRead.Corrupt("The PNG's PLTE chunk comes after its image data; libpng refuses it.");
                }

                if (length == 0 || length > MaxPaletteBytes || length % 3 != 0)
                {
                    return HeaderRead.Corrupt($"The PNG's PLTE chunk is {length} bytes; a palette is 1 to 256 entries of 3 bytes.");
                }

                walk.PaletteEntries = (int)length / 3;
            }
            else if (type.SequenceEqual("tRNS"u8))
            {
                // After the image data libpng ("out of place") and ImageSharp ignore it, Pillow
                // applies it: the counts differ (found by the differential fuzzer).
                if (walk.DataSeen)
                {
                    return HeaderRead.Corrupt("The PNG's tRNS chunk comes after its image data: libpng and ImageSharp ignore it, Pillow applies it.");
                }

                if (CheckTransparency(in walk, length, whole ? data.Slice((int)pos, (int)length + 12) : default) is { } invalid)
                {
                    return invalid;
                }

                walk.TransparencySeen = true;
            }
            else if (type.SequenceEqual("IDAT"u8))
            {
                if (walk.DataEnded)
                {
                    return HeaderRead.Corrupt("The PNG's IDAT chunks are not consecutive; libpng and Pillow stop at the first gap, ImageSharp would inflate the rest as a new stream.");
                }

                if (walk.Header is { ColorType: 3 } && walk.PaletteEntries == 0)
                {
                    return HeaderRead.Corrupt("The palette PNG has no PLTE chunk before its image data.");
                }

                walk.DataSeen = true;
                walk.DataBytes += length;
                walk.EmptyDataChunks += length == 0 ? 1 : 0;
            }
            else if (type.SequenceEqual("IEND"u8))
            {
                if (!walk.DataSeen)
                {
                    return HeaderRead.Corrupt("The PNG ends (IEND) without image data (IDAT).");
                }

                walk.Ended = true;
                break;
            }
            else if (type.SequenceEqual("CgBI"u8))
            {
                return HeaderRead.Corrupt("The PNG is Apple's CgBI variant, which is not a standard PNG.");
            }
            else if ((type[0] & 0x20) == 0)
            {
                return HeaderRead.Corrupt($"The PNG has an unknown critical chunk {ChunkName(type)}; libpng refuses it.");
            }

            if (walk.DataSeen && !type.SequenceEqual("IDAT"u8))
            {
                walk.DataEnded = true;
            }

            walk.Chunks++;
            pos = end;
        }

        if (walk.Header is not { } header)
        {
            return complete
                ? HeaderRead.Corrupt($"The PNG ends after {data.Length} bytes, before its IHDR chunk is complete.")
                : HeaderRead.NeedMoreData;
        }

        if (complete && !walk.Ended)
        {
            return HeaderRead.Corrupt(walk.DataSeen
                ? $"The PNG is truncated: the body ends after {data.Length} bytes without an IEND chunk."
                : $"The PNG has no image data (IDAT) in its {data.Length} bytes.");
        }

        return HeaderRead.Accept(new PngFacts(header.Width, header.Height, header.BitDepth, header.ColorType, header.Interlaced, walk.DataBytes, walk.EmptyDataChunks));
    }

    /// <summary>The IHDR rules of libpng, which ImageSharp applies only in part (it does not check the compression method or the size).</summary>
    private static HeaderRead? ReadIhdr(ReadOnlySpan<byte> ihdr)
    {
        var width = BinaryPrimitives.ReadUInt32BigEndian(ihdr);
        var height = BinaryPrimitives.ReadUInt32BigEndian(ihdr[4..]);
        int depth = ihdr[8], colorType = ihdr[9], compression = ihdr[10], filter = ihdr[11], interlace = ihdr[12];
        if (width == 0 || height == 0 || width > int.MaxValue || height > int.MaxValue)
        {
            return HeaderRead.Corrupt($"The PNG's IHDR declares {width}x{height} pixels; each side must be 1 to 2^31-1.");
        }

        var depthValid = colorType switch
        {
            0 => depth is 1 or 2 or 4 or 8 or 16,
            3 => depth is 1 or 2 or 4 or 8,
            2 or 4 or 6 => depth is 8 or 16,
            _ => false,
        };
        if (!depthValid)
        {
            return HeaderRead.Corrupt($"The PNG's IHDR has colour type {colorType} with bit depth {depth}, which is not a valid combination.");
        }

        if (compression != 0 || filter != 0 || interlace > 1)
        {
            return HeaderRead.Corrupt($"The PNG's IHDR has compression method {compression}, filter method {filter}, interlace method {interlace}; only 0, 0 and 0 or 1 exist.");
        }

        if (interlace == 1 && width < 5)
        {
            return HeaderRead.Corrupt($"Adam7-interlaced PNGs narrower than 5 pixels are not accepted (this one is {width}x{height}): ImageSharp 2.1.13 reads rows its encoder never wrote and loops forever or fails on them.");
        }

        return null;
    }

    /// <summary>The tRNS rules; <paramref name="wholeChunk"/> is the chunk with its length, type and CRC when all of it was given, else empty.</summary>
    private static HeaderRead? CheckTransparency(in Walk walk, uint length, ReadOnlySpan<byte> wholeChunk)
    {
        if (walk.TransparencySeen)
        {
            return HeaderRead.Corrupt("The PNG has a second tRNS chunk; libpng ignores it, ImageSharp would apply it.");
        }

        var colorType = walk.Header?.ColorType ?? -1;
        var invalid = colorType switch
        {
            3 when walk.PaletteEntries == 0 => "comes before the palette (PLTE)",
            3 when length == 0 || length > walk.PaletteEntries => $"has {length} entries for a palette of {walk.PaletteEntries}",
            0 when length != 2 => $"is {length} bytes; a gray image's is 2",
            2 when length != 6 => $"is {length} bytes; an RGB image's is 6",
            _ => null,
        };
        if (invalid is not null)
        {
            return HeaderRead.Corrupt($"The PNG's tRNS chunk {invalid}: libpng ignores such a chunk, ImageSharp would apply it.");
        }

        if (!wholeChunk.IsEmpty && colorType is 0 or 2 or 3)
        {
            var stored = BinaryPrimitives.ReadUInt32BigEndian(wholeChunk[^4..]);
            if (System.IO.Hashing.Crc32.HashToUInt32(wholeChunk[4..^4]) != stored)
            {
                return HeaderRead.Corrupt("The PNG's tRNS chunk has a bad CRC: libpng drops the chunk, ImageSharp would apply it.");
            }
        }

        return null;
    }

    private static bool IsLetters(ReadOnlySpan<byte> type)
    {
        foreach (var b in type)
        {
            if (b is not ((>= (byte)'A' and <= (byte)'Z') or (>= (byte)'a' and <= (byte)'z')))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>The chunk's name for a message (only built when refusing).</summary>
    private static string ChunkName(ReadOnlySpan<byte> type) => IsLetters(type)
        ? $"{(char)type[0]}{(char)type[1]}{(char)type[2]}{(char)type[3]}"
        : "unnamed";

    /// <summary>What the walk has seen so far.</summary>
    private struct Walk
    {
        public (int Width, int Height, int BitDepth, int ColorType, bool Interlaced)? Header;
        public int Chunks;
        public int PaletteEntries;
        public bool TransparencySeen;
        public bool DataSeen;
        public bool DataEnded;
        public bool Ended;
        public long DataBytes;
        public int EmptyDataChunks;
    }
}
