using System.Buffers.Binary;
using ImageGateway.Common.Problems;

namespace ImageGateway.Common.Imaging.Headers;

/// <summary>
/// The header model for WebP. The reference is libwebp 1.2.4 as Pillow 9.4 uses it: every file goes
/// through the demuxer (<c>WebPAnimDecoder</c>), which validates the RIFF container and uses the
/// first image chunk. ImageSharp 2.1.13's <c>WebpDecoderCore</c> walks the chunks its own way:
/// it ignores the RIFF size, reads an extended file's chunks to the end of the stream and keeps the
/// last VP8/VP8L and the last ALPH it meets, steps over a lossy chunk without its padding byte, never
/// compares the VP8X canvas with the frame, and allocates every chunk's declared size. The reader
/// walks the chunks both ways and accepts a file only where the two meet the same image and alpha
/// chunks, the container is one libwebp accepts, and every length lies within the body. For lossless
/// images it reads the VP8L bitstream up to its prefix codes (<see cref="Vp8LBitstream"/>) to cap the
/// prefix-code groups ImageSharp builds tables for outside the image allocator.
/// </summary>
internal static class WebpHeader
{
    /// <summary>
    /// The most prefix-code groups an accepted lossless image (or alpha plane) may have: what
    /// libwebp's own encoder can write (its entropy image has at most 2600 tiles, MAX_HUFF_IMAGE_SIZE
    /// in <c>vp8l_enc.c</c>). The format allows 65536; libwebp's decoder accepts them but builds tables
    /// only for the groups in use, while ImageSharp builds up to 40 KB of tables for every index up to
    /// the largest, outside the image allocator (a 124-byte file could ask for 2.6 GB).
    /// </summary>
    public const int MaxPrefixCodeGroups = 2600;

    /// <summary>libwebp's MAX_CHUNK_PAYLOAD.</summary>
    private const uint MaxChunkPayload = ~0u - 8 - 1;

    private const int RiffHeaderSize = 12;
    private const int ChunkHeaderSize = 8;
    private const int ExtendedEnd = RiffHeaderSize + ChunkHeaderSize + 10;

    private const uint Vp8 = 0x56503820; // "VP8 "
    private const uint Vp8L = 0x5650384C;
    private const uint Vp8X = 0x56503858;
    private const uint Alph = 0x414C5048;
    private const uint Anim = 0x414E494D;
    private const uint Anmf = 0x414E4D46;
    private const uint Iccp = 0x49434350;
    private const uint Exif = 0x45584946;
    private const uint Xmp = 0x584D5020;

    /// <summary>Reads the WebP in <paramref name="data"/> (see the header model's contract in <see cref="HeaderRead"/>).</summary>
    public static HeaderRead Read(ReadOnlySpan<byte> data, bool complete, long? bodyLength)
    {
        if (data.Length < RiffHeaderSize + ChunkHeaderSize)
        {
            return Short(data, complete, "its RIFF header");
        }

        if (!data.StartsWith("RIFF"u8) || !data[8..].StartsWith("WEBP"u8))
        {
            return HeaderRead.Corrupt("The WebP does not start with a RIFF header of form WEBP.");
        }

        var riffSize = BinaryPrimitives.ReadUInt32LittleEndian(data[4..]);
        if (riffSize < 4 + ChunkHeaderSize || riffSize > MaxChunkPayload)
        {
            return HeaderRead.Corrupt($"The WebP's RIFF header declares {riffSize} bytes, which libwebp refuses.");
        }

        var riffEnd = riffSize + 8L;
        var length = complete ? data.Length : bodyLength;
        if (length is { } known && riffEnd > known)
        {
            return HeaderRead.Corrupt($"The WebP is truncated: its RIFF header says {riffEnd} bytes, the body has {known}.");
        }

        return Tag(data, RiffHeaderSize) switch
        {
            Vp8 or Vp8L => Simple(data, complete, riffEnd),
            Vp8X => Extended(data, complete, riffEnd),
            _ => HeaderRead.Corrupt("The WebP's first chunk is not VP8, VP8L or VP8X."),
        };
    }

    /// <summary>A simple file: RIFF and one image chunk (libwebp may read more chunks behind it, ImageSharp never does).</summary>
    private static HeaderRead Simple(ReadOnlySpan<byte> data, bool complete, long riffEnd)
    {
        var chunk = new Chunk(data, RiffHeaderSize);
        if (chunk.End > riffEnd)
        {
            return HeaderRead.Corrupt($"The WebP's {chunk.Name} chunk ({chunk.Size} bytes) runs past the end of its RIFF container (byte {riffEnd}).");
        }

        // libwebp's StoreFrame reads on behind the image chunk: ALPH chunks, then one more header.
        var tail = FrameTail(data, complete, riffEnd, chunk.End, imageSeen: true, out _);
        if (tail is { } refusedTail)
        {
            return refusedTail;
        }

        return Image(data, complete, chunk, alpha: null, canvas: null);
    }

    private static HeaderRead Extended(ReadOnlySpan<byte> data, bool complete, long riffEnd)
    {
        if (data.Length < ExtendedEnd)
        {
            return Short(data, complete, "its VP8X chunk");
        }

        var size = BinaryPrimitives.ReadUInt32LittleEndian(data[16..]);
        if (size != 10)
        {
            return HeaderRead.Corrupt($"The WebP's VP8X chunk is {size} bytes long; it must be 10 (ImageSharp reads 10 and takes the rest for chunks).");
        }

        var flags = data[20];
        if ((flags & 0b1100_0001) != 0 || data[21] != 0 || data[22] != 0 || data[23] != 0)
        {
            return HeaderRead.Corrupt($"The WebP's VP8X chunk sets reserved bits (flags {flags:X2}, reserved {data[21]:X2}{data[22]:X2}{data[23]:X2}).");
        }

        if ((flags & 0x02) != 0)
        {
            return HeaderRead.Refuse(ProblemTypes.UnsupportedFormat, "The WebP is animated; animated WebP is not accepted (ImageSharp 2.1 does not decode it).");
        }

        var canvasWidth = (int)(ReadUInt24(data[24..]) + 1);
        var canvasHeight = (int)(ReadUInt24(data[27..]) + 1);
        if ((long)canvasWidth * canvasHeight >= 1L << 32)
        {
            return HeaderRead.Corrupt($"The WebP's canvas is {canvasWidth}x{canvasHeight}; libwebp refuses 2^32 pixels or more.");
        }

        var alphaFlag = (flags & 0x10) != 0;

        // libwebp's walk (ParseVP8XChunks): chunks tile the RIFF container; the frame is the first
        // ALPH/VP8/VP8L run; another one is an error.
        int? libImage = null;
        int? libAlpha = null;
        long pos = ExtendedEnd;
        var prefixEnded = false;
        while (pos != riffEnd)
        {
            if (pos + ChunkHeaderSize > data.Length)
            {
                if (!complete)
                {
                    prefixEnded = true;
                    break;
                }

                return Short(data, complete, "a chunk header");
            }

            if (riffEnd - pos < ChunkHeaderSize)
            {
                return HeaderRead.Corrupt($"The WebP's RIFF size ends inside a chunk header (byte {riffEnd}); libwebp refuses it, ImageSharp reads on.");
            }

            var chunk = new Chunk(data, (int)pos);
            if (chunk.Size > MaxChunkPayload || chunk.End > riffEnd)
            {
                return HeaderRead.Corrupt($"The WebP's {chunk.Name} chunk at byte {pos} ({chunk.Size} bytes) runs past the end of its RIFF container (byte {riffEnd}).");
            }

            switch (chunk.Tag)
            {
                case Vp8X:
                    return HeaderRead.Corrupt($"The WebP has a second VP8X chunk (byte {pos}).");
                case Anim or Anmf:
                    return HeaderRead.Corrupt($"The WebP has an {chunk.Name} chunk (byte {pos}) but no animation flag.");
                case Alph or Vp8 or Vp8L:
                    if (libImage is not null || libAlpha is not null)
                    {
                        return HeaderRead.Corrupt($"The WebP has two image chunks ({chunk.Name} at byte {pos}); libwebp refuses it, ImageSharp decodes the last.");
                    }

                    var frame = Frame(data, complete, riffEnd, (int)pos, out libAlpha, out libImage, out var next);
                    if (frame is { } refusedFrame)
                    {
                        return refusedFrame;
                    }

                    if (next is null)
                    {
                        // The prefix ends inside the frame: the walk is over. (A `break` here would
                        // leave only the switch, and the walk would meet the frame's image chunk
                        // again as a second one: found by the differential fuzzer.)
                        prefixEnded = true;
                        pos = riffEnd;
                        continue;
                    }

                    pos = next.Value;
                    continue;
            }

            pos = chunk.End;
        }

        if (libImage is null)
        {
            return prefixEnded ? HeaderRead.NeedMoreData : HeaderRead.Corrupt("The WebP has no VP8 or VP8L image chunk.");
        }

        // ImageSharp's walk: from the 10 VP8X bytes to the end of the stream, chunk by chunk.
        var imageSharp = ImageSharpChunks(data, complete, out var isImage, out var isAlpha);
        if (imageSharp is { } refusedBySharp)
        {
            return refusedBySharp;
        }

        if (isImage != libImage)
        {
            return HeaderRead.Corrupt($"ImageSharp would decode the image chunk at byte {isImage?.ToString() ?? "none"}, libwebp the one at byte {libImage}.");
        }

        var image = new Chunk(data, libImage.Value);
        int? alpha = null;
        if (alphaFlag && image.Tag == Vp8)
        {
            if (libAlpha is null)
            {
                return HeaderRead.Corrupt("The WebP's VP8X chunk flags an alpha channel but it has no ALPH chunk; ImageSharp fails on that.");
            }

            if (isAlpha != libAlpha)
            {
                return HeaderRead.Corrupt($"ImageSharp would take the alpha plane from the ALPH chunk at byte {isAlpha}, libwebp from the one at byte {libAlpha}.");
            }

            alpha = libAlpha;
        }

        return Image(data, complete, image, alpha, (canvasWidth, canvasHeight));
    }

    /// <summary>
    /// libwebp's <c>StoreFrame</c> from the first ALPH/VP8/VP8L chunk: an ALPH chunk, then the image
    /// chunk (VP8L takes no ALPH). <paramref name="next"/> is where the walk goes on; null when a
    /// prefix ended inside the frame.
    /// </summary>
    private static HeaderRead? Frame(ReadOnlySpan<byte> data, bool complete, long riffEnd, int pos, out int? alpha, out int? image, out long? next)
    {
        alpha = null;
        image = null;
        next = null;
        var chunk = new Chunk(data, pos);
        if (chunk.Tag == Alph)
        {
            alpha = pos;
            if (chunk.End == riffEnd)
            {
                return HeaderRead.Corrupt("The WebP has an ALPH chunk but no image chunk after it.");
            }

            if (chunk.End + ChunkHeaderSize > data.Length)
            {
                return complete ? Short(data, complete, "the chunk after ALPH") : null;
            }

            if (riffEnd - chunk.End < ChunkHeaderSize)
            {
                return HeaderRead.Corrupt($"The WebP's RIFF size ends inside a chunk header (byte {riffEnd}); libwebp refuses it, ImageSharp reads on.");
            }

            chunk = new Chunk(data, (int)chunk.End);
            if (chunk.Size > MaxChunkPayload || chunk.End > riffEnd)
            {
                return HeaderRead.Corrupt($"The WebP's {chunk.Name} chunk ({chunk.Size} bytes) runs past the end of its RIFF container (byte {riffEnd}).");
            }

            if (chunk.Tag == Vp8L)
            {
                return HeaderRead.Corrupt("The WebP has an ALPH chunk before a lossless image, which carries its own alpha; libwebp refuses it.");
            }

            if (chunk.Tag != Vp8)
            {
                return HeaderRead.Corrupt($"The WebP's ALPH chunk is followed by {chunk.Name}, not by its image chunk; libwebp refuses it.");
            }
        }

        image = chunk.Offset;
        var tail = FrameTail(data, complete, riffEnd, chunk.End, imageSeen: true, out var end);
        if (tail is { } refused)
        {
            return refused;
        }

        next = end;
        return null;
    }

    /// <summary>
    /// What libwebp's <c>StoreFrame</c> reads behind an image chunk: the end of the RIFF container, or
    /// a whole chunk header (an ALPH chunk there is read too, and refused later as alpha after image).
    /// <paramref name="end"/> is the first chunk libwebp's caller reads next; null when a prefix ended.
    /// </summary>
    private static HeaderRead? FrameTail(ReadOnlySpan<byte> data, bool complete, long riffEnd, long pos, bool imageSeen, out long? end)
    {
        end = null;
        if (pos == riffEnd)
        {
            end = pos;
            return null;
        }

        if (pos + ChunkHeaderSize > data.Length)
        {
            return complete ? Short(data, complete, "a chunk header") : null;
        }

        if (riffEnd - pos < ChunkHeaderSize)
        {
            return HeaderRead.Corrupt($"The WebP's RIFF size ends inside a chunk header (byte {riffEnd}); libwebp refuses it, ImageSharp reads on.");
        }

        var chunk = new Chunk(data, (int)pos);
        if (chunk.Size > MaxChunkPayload || chunk.End > riffEnd)
        {
            return HeaderRead.Corrupt($"The WebP's {chunk.Name} chunk at byte {pos} ({chunk.Size} bytes) runs past the end of its RIFF container (byte {riffEnd}).");
        }

        if (imageSeen && chunk.Tag == Alph)
        {
            return HeaderRead.Corrupt($"The WebP has an ALPH chunk after its image chunk (byte {pos}); libwebp refuses it.");
        }

        end = pos;
        return null;
    }

    /// <summary>
    /// ImageSharp's <c>ReadVp8XHeader</c> loop over the whole stream: the last VP8/VP8L chunk and the
    /// last ALPH chunk it keeps, or the refusal where it would fail or loop.
    /// </summary>
    private static HeaderRead? ImageSharpChunks(ReadOnlySpan<byte> data, bool complete, out int? image, out int? alpha)
    {
        image = null;
        alpha = null;
        long pos = ExtendedEnd;
        while (pos < data.Length)
        {
            if (pos + ChunkHeaderSize > data.Length)
            {
                return complete ? HeaderRead.Corrupt($"The WebP has {data.Length - pos} stray bytes at its end (byte {pos}), where ImageSharp expects a chunk header.") : null;
            }

            var tag = Tag(data, (int)pos);
            var raw = BinaryPrimitives.ReadUInt32LittleEndian(data[(int)(pos + 4)..]);
            var padded = raw + (raw & 1);
            var beyond = padded > data.Length - pos - ChunkHeaderSize;
            switch (tag)
            {
                case Vp8 or Vp8L or Alph:
                    // ImageSharp allocates these chunks' declared size and reads them.
                    if (beyond)
                    {
                        if (!complete)
                        {
                            image = tag == Alph ? image : (int)pos;
                            alpha = tag == Alph ? (int)pos : alpha;
                            return null; // the chunk goes on past the prefix
                        }

                        return HeaderRead.Corrupt($"The WebP's {TagName(tag)} chunk at byte {pos} declares {raw} bytes, past the end of the {data.Length}-byte body; ImageSharp would allocate them.");
                    }

                    if (tag == Alph)
                    {
                        if (raw == 0)
                        {
                            return HeaderRead.Corrupt($"The WebP's ALPH chunk at byte {pos} is empty; ImageSharp fails on it.");
                        }

                        alpha = (int)pos;
                        pos += ChunkHeaderSize + padded;
                    }
                    else
                    {
                        image = (int)pos;

                        // ImageSharp steps over a lossy chunk without its padding byte.
                        pos += ChunkHeaderSize + (tag == Vp8 ? raw : padded);
                    }

                    break;
                case Anim or Anmf:
                    return HeaderRead.Corrupt($"ImageSharp would read an {TagName(tag)} chunk at byte {pos} and fail (animation).");
                default:
                    // ICCP, EXIF, XMP (metadata ignored) and unknown chunks: Skip((int)size), which
                    // does nothing for a size that overflows an int.
                    var skip = (int)padded;
                    pos += ChunkHeaderSize + (skip < 1 ? 0 : skip);
                    break;
            }
        }

        return null;
    }

    /// <summary>Reads the image chunk (and the alpha plane): the facts, or why the frame is refused.</summary>
    private static HeaderRead Image(ReadOnlySpan<byte> data, bool complete, Chunk image, int? alpha, (int Width, int Height)? canvas)
    {
        var payloadEnd = (int)Math.Min(data.Length, image.Offset + ChunkHeaderSize + (long)image.Size);
        var payload = data[(image.Offset + ChunkHeaderSize)..payloadEnd];
        if (complete && payload.Length < image.Size)
        {
            return Short(data, complete, $"its {image.Name} chunk");
        }

        int width;
        int height;
        WebpLosslessStream? lossless = null;
        if (image.Tag == Vp8)
        {
            if (payload.Length < 10)
            {
                return complete || image.Size < 10
                    ? HeaderRead.Corrupt($"The WebP's VP8 chunk is {image.Size} bytes long; its frame header alone needs 10.")
                    : HeaderRead.NeedMoreData;
            }

            var frame = Vp8Frame(payload, image.Size, out width, out height);
            if (frame is not null)
            {
                return HeaderRead.Corrupt(frame);
            }
        }
        else
        {
            if (payload.Length < 5)
            {
                return complete || image.Size < 5
                    ? HeaderRead.Corrupt($"The WebP's VP8L chunk is {image.Size} bytes long; its header alone needs 5.")
                    : HeaderRead.NeedMoreData;
            }

            var stream = new Vp8LBitstream(payload, whole: payload.Length == image.Size, prefixRead: !complete);
            var outcome = stream.ReadImage(out width, out height);
            var refused = Refusal(outcome, stream.Problem, complete, "lossless image");
            if (refused is { } refusedStream)
            {
                return refusedStream;
            }

            lossless = stream.Facts(width, height);
        }

        if (canvas is { } size && (size.Width != width || size.Height != height))
        {
            return HeaderRead.Corrupt($"The WebP's VP8X canvas is {size.Width}x{size.Height} but its {image.Name} frame is {width}x{height}; libwebp refuses that, ImageSharp decodes the frame.");
        }

        WebpLosslessStream? compressedAlpha = null;
        if (alpha is { } alphaOffset)
        {
            var chunk = new Chunk(data, alphaOffset);
            var alphaPayload = data[(alphaOffset + ChunkHeaderSize)..(int)Math.Min(data.Length, alphaOffset + ChunkHeaderSize + (long)chunk.Size)];
            var header = alphaPayload[0];
            var method = header & 0x03;
            if (method > 1 || ((header >> 4) & 0x03) > 1 || (header >> 6) != 0)
            {
                return HeaderRead.Corrupt($"The WebP's ALPH chunk has header byte {header:X2} (method {method}); libwebp reads methods 0 and 1 with preprocessing 0 or 1 and the reserved bits clear.");
            }

            if (method == 0)
            {
                if (chunk.Size - 1 < (long)width * height)
                {
                    return HeaderRead.Corrupt($"The WebP's uncompressed alpha plane has {chunk.Size - 1} bytes for {width}x{height} pixels.");
                }
            }
            else
            {
                // ImageSharp's Vp8LBitReader reads 8 bytes of a compressed alpha plane unchecked.
                if (chunk.Size + (chunk.Size & 1) - 1 < 8)
                {
                    return HeaderRead.Corrupt($"The WebP's compressed alpha plane is {chunk.Size - 1} bytes long; ImageSharp fails on fewer than 8.");
                }

                var stream = new Vp8LBitstream(alphaPayload[1..], whole: alphaPayload.Length == chunk.Size, prefixRead: !complete);
                var outcome = stream.ReadStream(width, height);
                var refused = Refusal(outcome, stream.Problem, complete, "alpha plane");
                if (refused is { } refusedAlpha)
                {
                    return refusedAlpha;
                }

                compressedAlpha = stream.Facts(width, height);
            }
        }

        return HeaderRead.Accept(new WebpFacts(width, height, lossless, alpha is not null, compressedAlpha));
    }

    private static HeaderRead? Refusal(Vp8LOutcome outcome, string? problem, bool complete, string what) => outcome switch
    {
        Vp8LOutcome.Read => null,
        Vp8LOutcome.EndOfData or Vp8LOutcome.OverBudget when !complete => null,
        Vp8LOutcome.EndOfData => HeaderRead.Corrupt($"The WebP's {what} ends before its prefix codes do; libwebp refuses it."),
        Vp8LOutcome.TooManyGroups => HeaderRead.Refuse(ProblemTypes.ImageTooComplex, problem!),
        _ => HeaderRead.Corrupt(problem!),
    };

    /// <summary>The checks both libwebp's <c>VP8GetInfo</c> and ImageSharp's <c>ReadVp8Header</c> make; null when they pass.</summary>
    private static string? Vp8Frame(ReadOnlySpan<byte> frame, uint size, out int width, out int height)
    {
        width = BinaryPrimitives.ReadUInt16LittleEndian(frame[6..]) & 0x3FFF;
        height = BinaryPrimitives.ReadUInt16LittleEndian(frame[8..]) & 0x3FFF;
        var tag = frame[0] | (frame[1] << 8) | (frame[2] << 16);
        if ((tag & 1) != 0)
        {
            return "The WebP's VP8 frame is not a key frame.";
        }

        if (((tag >> 1) & 7) > 3)
        {
            return $"The WebP's VP8 frame declares profile {(tag >> 1) & 7}; profiles are 0 to 3.";
        }

        if (((tag >> 4) & 1) == 0)
        {
            return "The WebP's VP8 frame is not shown (show_frame is 0).";
        }

        var partition = (uint)tag >> 5;
        if (partition > size - 10)
        {
            return $"The WebP's VP8 first partition ({partition} bytes) is longer than its chunk ({size} bytes).";
        }

        if (frame[3] != 0x9D || frame[4] != 0x01 || frame[5] != 0x2A)
        {
            return "The WebP's VP8 chunk lacks the frame start code 9D 01 2A.";
        }

        return width == 0 || height == 0 ? $"The WebP's VP8 frame is {width}x{height}." : null;
    }

    private static uint Tag(ReadOnlySpan<byte> data, int offset) => BinaryPrimitives.ReadUInt32BigEndian(data[offset..]);

    private static uint ReadUInt24(ReadOnlySpan<byte> data) => (uint)(data[0] | (data[1] << 8) | (data[2] << 16));

    private static string TagName(uint tag)
    {
        Span<char> name = stackalloc char[4];
        for (var i = 0; i < 4; i++)
        {
            var c = (char)((tag >> (24 - (8 * i))) & 0xFF);
            name[i] = c is >= ' ' and <= '~' ? c : '?';
        }

        return name.TrimEnd().ToString();
    }

    private static HeaderRead Short(ReadOnlySpan<byte> data, bool complete, string what) =>
        complete
            ? HeaderRead.Corrupt($"The WebP is truncated: the body ends after {data.Length} bytes, inside {what}.")
            : HeaderRead.NeedMoreData;

    /// <summary>A chunk header: its tag, declared size and where it ends with its padding byte.</summary>
    private readonly ref struct Chunk
    {
        public Chunk(ReadOnlySpan<byte> data, int offset)
        {
            Offset = offset;
            Tag = WebpHeader.Tag(data, offset);
            Size = BinaryPrimitives.ReadUInt32LittleEndian(data[(offset + 4)..]);
        }

        public int Offset { get; }

        public uint Tag { get; }

        public uint Size { get; }

        public long End => Offset + ChunkHeaderSize + (long)Size + (Size & 1);

        public string Name => TagName(Tag);
    }
}
