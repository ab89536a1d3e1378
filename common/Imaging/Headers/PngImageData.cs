using System.Buffers;
using System.Buffers.Binary;
using System.IO.Compression;

namespace ImageGateway.Common.Imaging.Headers;

/// <summary>
/// What the backend does with a PNG's image data before ImageSharp 2.1.13 decodes it: drops
/// zero-length IDAT chunks (valid PNG, which ImageSharp can take for the end of the data), and
/// refuses image data that cannot fill the image: ImageSharp leaves the missing rows zero in a
/// non-interlaced image (a count of pixels that are not in the file) and loops forever on an
/// interlaced one (issue 11), where libpng and Pillow refuse the file as truncated.
/// </summary>
/// <remarks>
/// Deflate's expansion is at most 1032:1 (a 258-byte match in 2 bits), so image data under
/// 1/1032 of what the image needs is refused without inflating. Above that, only inflating tells:
/// the data is inflated with the same zlib (<see cref="DeflateStream"/>) ImageSharp uses, into a
/// scratch buffer, stopping as soon as enough bytes came out. That costs an inflate (no unfiltering,
/// no pixels): it is done for interlaced images, whose short data would hang a decode worker until
/// its deadline, and for palette images, whose missing rows ImageSharp leaves out of the count where
/// Pillow paints them palette entry 0 (white in many palettes: a 200 whose count no reference decoder
/// gives; found by the differential fuzzer, tests/fuzz-regressions). Not for the other non-interlaced
/// ones: there a missing row is black or transparent in ImageSharp and Pillow alike, so the count is
/// Pillow's, and an inflate is 14 % more CPU on every PNG (see docs/formats.md for the measured cost).
/// </remarks>
public static class PngImageData
{
    /// <summary>Deflate's largest expansion: 258 bytes from 2 bits.</summary>
    public const long MaxInflateRatio = 1032;

    /// <summary>IHDR colour type 3: palette indices.</summary>
    private const int PaletteColorType = 3;

    /// <summary>The body to decode (with empty IDAT chunks dropped), or a refusal.</summary>
    public static PreparedImage Prepare(ReadOnlyMemory<byte> body, PngFacts facts)
    {
        ArgumentNullException.ThrowIfNull(facts);
        var needed = facts.RawDataBytes;
        if (needed > (facts.ImageDataBytes * MaxInflateRatio) + MaxInflateRatio)
        {
            return PreparedImage.Corrupt($"The PNG's image data is truncated: {facts.ImageDataBytes} bytes of IDAT cannot inflate to the {needed} bytes its {facts.Width}x{facts.Height} pixels need.");
        }

        var prepared = facts.EmptyDataChunks > 0 ? DropEmptyDataChunks(body.Span) : body;
        if (facts.Interlaced || facts.ColorType == PaletteColorType)
        {
            var inflated = Inflate(prepared, needed, out var error);
            if (error is not null)
            {
                return PreparedImage.Corrupt($"The PNG's image data is not valid zlib data: {error}");
            }

            if (inflated < needed)
            {
                return PreparedImage.Corrupt($"The PNG's image data is truncated: it inflates to {inflated} of the {needed} bytes its {facts.Width}x{facts.Height} pixels need.");
            }
        }

        return PreparedImage.Decode(prepared);
    }

    /// <summary>A copy of <paramref name="png"/> without its zero-length IDAT chunks.</summary>
    public static byte[] DropEmptyDataChunks(ReadOnlySpan<byte> png)
    {
        var output = new byte[png.Length];
        png[..8].CopyTo(output);
        var written = 8;
        var pos = 8;
        while (pos + 12 <= png.Length)
        {
            var length = (int)BinaryPrimitives.ReadUInt32BigEndian(png[pos..]);
            var end = pos + 12 + length;
            var chunk = png[pos..Math.Min(end, png.Length)];
            if (!(length == 0 && chunk.Slice(4, 4).SequenceEqual("IDAT"u8)))
            {
                chunk.CopyTo(output.AsSpan(written));
                written += chunk.Length;
            }

            pos = end;
            if (chunk.Slice(4, 4).SequenceEqual("IEND"u8))
            {
                break;
            }
        }

        if (pos < png.Length)
        {
            png[pos..].CopyTo(output.AsSpan(written));
            written += png.Length - pos;
        }

        return output[..written];
    }

    /// <summary>
    /// Inflates the run of IDAT chunks the way ImageSharp does (skip the 2-byte zlib header, and the
    /// 4-byte dictionary id when flagged), counting bytes up to <paramref name="enough"/>.
    /// </summary>
    private static long Inflate(ReadOnlyMemory<byte> png, long enough, out string? error)
    {
        error = null;
        var data = new IdatStream(png);
        var cmf = data.ReadByte();
        var flags = data.ReadByte();
        if (cmf < 0 || flags < 0 || (cmf & 0x0F) != 8 || (cmf >> 4) > 7)
        {
            error = $"bad zlib header (0x{cmf:X2} 0x{flags:X2})";
            return 0;
        }

        if ((flags & 0x20) != 0)
        {
            for (var i = 0; i < 4; i++)
            {
                data.ReadByte();
            }
        }

        var scratch = ArrayPool<byte>.Shared.Rent(64 * 1024);
        try
        {
            using var inflater = new DeflateStream(data, CompressionMode.Decompress);
            long total = 0;
            while (total < enough)
            {
                var read = inflater.Read(scratch, 0, scratch.Length);
                if (read == 0)
                {
                    break;
                }

                total += read;
            }

            return total;
        }
        catch (InvalidDataException ex)
        {
            error = ex.Message;
            return 0;
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(scratch);
        }
    }

    /// <summary>The data of the first run of consecutive IDAT chunks, as one stream.</summary>
    private sealed class IdatStream : Stream
    {
        private readonly ReadOnlyMemory<byte> _png;
        private int _pos;
        private int _left;

        public IdatStream(ReadOnlyMemory<byte> png)
        {
            _png = png;
            _pos = FirstData(png, 8, out _left);
        }

        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Length => throw new NotSupportedException();

        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public override int Read(byte[] buffer, int offset, int count)
        {
            while (_left == 0)
            {
                // The next chunk, if it is an IDAT; the run ends at any other chunk.
                var next = _pos + 4; // past the CRC
                if (next + 8 > _png.Length || !_png.Span.Slice(next + 4, 4).SequenceEqual("IDAT"u8))
                {
                    return 0;
                }

                _left = (int)BinaryPrimitives.ReadUInt32BigEndian(_png.Span[next..]);
                _pos = next + 8;
                if (_pos + _left > _png.Length)
                {
                    _left = Math.Max(0, _png.Length - _pos);
                }
            }

            var n = Math.Min(count, _left);
            _png.Span.Slice(_pos, n).CopyTo(buffer.AsSpan(offset));
            _pos += n;
            _left -= n;
            return n;
        }

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        private static int FirstData(ReadOnlyMemory<byte> png, int pos, out int left)
        {
            while (pos + 8 <= png.Length)
            {
                var length = (int)BinaryPrimitives.ReadUInt32BigEndian(png.Span[pos..]);
                if (png.Span.Slice(pos + 4, 4).SequenceEqual("IDAT"u8))
                {
                    left = Math.Min(length, png.Length - pos - 8);
                    return pos + 8;
                }

                pos += 12 + length;
            }

            left = 0;
            return png.Length;
        }
    }
}
