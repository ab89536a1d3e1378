using System.Buffers.Binary;
using System.IO.Compression;
using System.IO.Hashing;
using System.Text;

namespace ImageGateway.TestSupport;

/// <summary>
/// PNG files put together chunk by chunk (real CRCs, zlib from the runtime), so a test can build any
/// order, duplicate or lie the header model must judge, with the white count known by construction.
/// </summary>
public static class CraftedPng
{
    public static readonly byte[] Signature = [0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A];

    private static readonly int[] FirstRow = [0, 0, 4, 0, 2, 0, 1];
    private static readonly int[] FirstColumn = [0, 4, 0, 2, 0, 1, 0];
    private static readonly int[] RowStep = [8, 8, 8, 4, 4, 2, 2];
    private static readonly int[] ColumnStep = [8, 8, 4, 4, 2, 2, 1];

    /// <summary>One chunk: length, type, data, CRC.</summary>
    public static byte[] Chunk(string type, ReadOnlySpan<byte> data)
    {
        var typeBytes = Encoding.ASCII.GetBytes(type);
        var chunk = new byte[12 + data.Length];
        BinaryPrimitives.WriteInt32BigEndian(chunk, data.Length);
        typeBytes.CopyTo(chunk, 4);
        data.CopyTo(chunk.AsSpan(8));
        BinaryPrimitives.WriteUInt32BigEndian(chunk.AsSpan(8 + data.Length), Crc32.HashToUInt32(chunk.AsSpan(4, 4 + data.Length)));
        return chunk;
    }

    /// <summary>An IHDR chunk.</summary>
    public static byte[] Ihdr(int width, int height, int bitDepth = 8, int colorType = 2, bool interlaced = false)
    {
        var data = new byte[13];
        BinaryPrimitives.WriteInt32BigEndian(data, width);
        BinaryPrimitives.WriteInt32BigEndian(data.AsSpan(4), height);
        data[8] = (byte)bitDepth;
        data[9] = (byte)colorType;
        data[12] = (byte)(interlaced ? 1 : 0);
        return Chunk("IHDR", data);
    }

    /// <summary>The signature followed by <paramref name="chunks"/>.</summary>
    public static byte[] Build(params byte[][] chunks) => [.. Signature, .. chunks.SelectMany(c => c)];

    /// <summary>
    /// The filtered (filter type 0) raw image data of a <paramref name="width"/> x <paramref name="height"/>
    /// image whose pixel is white where <paramref name="white"/> says, else black: every sample at
    /// the maximum or zero (palette: index 1 or 0). Adam7 order when interlaced.
    /// </summary>
    public static byte[] RawData(int width, int height, Func<int, int, bool> white, int bitDepth = 8, int colorType = 2, bool interlaced = false)
    {
        var channels = colorType switch { 2 => 3, 4 => 2, 6 => 4, _ => 1 };
        var max = colorType == 3 ? 1 : (1 << bitDepth) - 1;
        using var raw = new MemoryStream();
        void Row(int y, int x0, int dx)
        {
            var bits = new List<int>();
            for (var x = x0; x < width; x += dx)
            {
                for (var c = 0; c < channels; c++)
                {
                    bits.Add(white(x, y) ? max : 0);
                }
            }

            raw.WriteByte(0);
            raw.Write(Pack(bits, bitDepth));
        }

        if (!interlaced)
        {
            for (var y = 0; y < height; y++)
            {
                Row(y, 0, 1);
            }
        }
        else
        {
            for (var pass = 0; pass < 7; pass++)
            {
                if (FirstColumn[pass] >= width)
                {
                    continue;
                }

                for (var y = FirstRow[pass]; y < height; y += RowStep[pass])
                {
                    Row(y, FirstColumn[pass], ColumnStep[pass]);
                }
            }
        }

        return raw.ToArray();
    }

    /// <summary>zlib-compressed data.</summary>
    public static byte[] Compress(ReadOnlySpan<byte> raw, CompressionLevel level = CompressionLevel.Optimal)
    {
        using var output = new MemoryStream();
        using (var z = new ZLibStream(output, level, leaveOpen: true))
        {
            z.Write(raw);
        }

        return output.ToArray();
    }

    /// <summary>
    /// zlib-compressed image data of <paramref name="rows"/> rows of <paramref name="rowBytes"/> each
    /// (filter byte included), zero unless <paramref name="fill"/> writes each row; streamed row by row,
    /// so a flood's or a large noise image's raw data is never whole in memory.
    /// </summary>
    public static byte[] CompressRows(int rowBytes, int rows, CompressionLevel level, Action<Span<byte>>? fill = null)
    {
        using var output = new MemoryStream();
        using (var z = new ZLibStream(output, level, leaveOpen: true))
        {
            var row = new byte[rowBytes];
            for (var y = 0; y < rows; y++)
            {
                fill?.Invoke(row);
                z.Write(row);
            }
        }

        return output.ToArray();
    }

    /// <summary>A whole valid PNG (a black/white PLTE for colour type 3) and its white count.</summary>
    public static (byte[] Bytes, long White) Image(int width, int height, Func<int, int, bool> white, int bitDepth = 8, int colorType = 2, bool interlaced = false)
    {
        List<byte[]> chunks = [Ihdr(width, height, bitDepth, colorType, interlaced)];
        if (colorType == 3)
        {
            chunks.Add(Chunk("PLTE", [0, 0, 0, 255, 255, 255]));
        }

        chunks.Add(Chunk("IDAT", Compress(RawData(width, height, white, bitDepth, colorType, interlaced))));
        chunks.Add(Chunk("IEND", []));
        long count = 0;
        for (var y = 0; y < height; y++)
        {
            for (var x = 0; x < width; x++)
            {
                count += white(x, y) ? 1 : 0;
            }
        }

        return (Build([.. chunks]), count);
    }

    /// <summary>
    /// A PNG header (IHDR, one row of image data) and the start of a private ancillary chunk that
    /// declares <paramref name="paddingBytes"/> of data: the caller's bytes follow as its data. A
    /// well-formed prefix for bodies whose size is the point of a test.
    /// </summary>
    public static byte[] PaddedHeader(int width, int height, long paddingBytes)
    {
        var rowBytes = 1 + (3 * width);
        var header = Build(Ihdr(width, height), Chunk("IDAT", Compress(new byte[Math.Min(rowBytes, 1 << 24)])));
        var padding = new byte[8];
        BinaryPrimitives.WriteUInt32BigEndian(padding, (uint)Math.Min(paddingBytes, int.MaxValue));
        "paDd"u8.CopyTo(padding.AsSpan(4));
        return [.. header, .. padding];
    }

    /// <summary>A well-formed PNG of exactly <paramref name="totalBytes"/> bytes: a small image and a private chunk of random bytes.</summary>
    public static byte[] PaddedTo(int width, int height, int totalBytes, int seed)
    {
        var end = Chunk("IEND", []);
        var head = PaddedHeader(width, height, 0);
        var paddingBytes = totalBytes - head.Length - 4 - end.Length;
        if (paddingBytes < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(totalBytes), $"At least {head.Length + 4 + end.Length} bytes.");
        }

        var data = new byte[paddingBytes];
        new Random(seed).NextBytes(data);
        var image = Build(Ihdr(width, height), Chunk("IDAT", Compress(new byte[1 + (3 * width)])));
        var body = (byte[])[.. image, .. Chunk("paDd", data), .. end];
        return body.Length == totalBytes ? body : throw new InvalidOperationException("Padding arithmetic is off.");
    }

    private static byte[] Pack(List<int> samples, int bitDepth)
    {
        if (bitDepth >= 8)
        {
            var bytes = bitDepth / 8;
            var output = new byte[samples.Count * bytes];
            for (var i = 0; i < samples.Count; i++)
            {
                for (var b = 0; b < bytes; b++)
                {
                    output[(i * bytes) + b] = (byte)(samples[i] >> (8 * (bytes - 1 - b)));
                }
            }

            return output;
        }

        var packed = new byte[((samples.Count * bitDepth) + 7) / 8];
        for (var i = 0; i < samples.Count; i++)
        {
            var bit = i * bitDepth;
            packed[bit / 8] |= (byte)(samples[i] << (8 - bitDepth - (bit % 8)));
        }

        return packed;
    }
}
