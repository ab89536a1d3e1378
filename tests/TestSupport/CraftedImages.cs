using System.Buffers.Binary;
using System.IO.Compression;

namespace ImageGateway.TestSupport;

/// <summary>
/// Hand-built image bytes whose header facts are chosen by the test: pixel floods, lying headers,
/// truncations. Built byte by byte (with real CRCs) so no encoder's opinion gets in the way.
/// </summary>
public static class CraftedImages
{
    /// <summary>
    /// A PNG whose IHDR declares <paramref name="width"/> x <paramref name="height"/> (8-bit RGB), with
    /// <paramref name="rows"/> rows of zero pixels compressed in its IDAT. A flood when rows is small.
    /// </summary>
    public static byte[] Png(int width, int height, int rows = 1, bool withEnd = true)
    {
        using var ms = new MemoryStream();
        ms.Write([0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A]);
        var ihdr = new byte[13];
        BinaryPrimitives.WriteInt32BigEndian(ihdr, width);
        BinaryPrimitives.WriteInt32BigEndian(ihdr.AsSpan(4), height);
        ihdr[8] = 8; // bit depth
        ihdr[9] = 2; // RGB
        WriteChunk(ms, "IHDR", ihdr);

        using (var raw = new MemoryStream())
        {
            using (var z = new ZLibStream(raw, CompressionLevel.SmallestSize, leaveOpen: true))
            {
                var row = new byte[1 + (3L * width) > 1 << 24 ? 1 << 24 : 1 + (3 * width)];
                for (var y = 0; y < rows; y++)
                {
                    z.Write(row);
                }
            }

            WriteChunk(ms, "IDAT", raw.ToArray());
        }

        if (withEnd)
        {
            WriteChunk(ms, "IEND", []);
        }

        return ms.ToArray();
    }

    /// <summary>
    /// A complete, decodable 8-bit RGB PNG of random pixels (none white unless by chance): noise does
    /// not compress, so the file is about 3 x width x height bytes. For load and benchmark bodies.
    /// </summary>
    public static byte[] NoisePng(int width, int height, int seed)
    {
        var random = new Random(seed);
        using var ms = new MemoryStream();
        ms.Write([0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A]);
        var ihdr = new byte[13];
        BinaryPrimitives.WriteInt32BigEndian(ihdr, width);
        BinaryPrimitives.WriteInt32BigEndian(ihdr.AsSpan(4), height);
        ihdr[8] = 8;
        ihdr[9] = 2;
        WriteChunk(ms, "IHDR", ihdr);
        using (var raw = new MemoryStream())
        {
            using (var z = new ZLibStream(raw, CompressionLevel.Fastest, leaveOpen: true))
            {
                var row = new byte[1 + (3 * width)];
                for (var y = 0; y < height; y++)
                {
                    random.NextBytes(row.AsSpan(1));
                    z.Write(row);
                }
            }

            WriteChunk(ms, "IDAT", raw.ToArray());
        }

        WriteChunk(ms, "IEND", []);
        return ms.ToArray();
    }

    /// <summary>A baseline JPEG prefix whose SOF0 declares the given size, after <paramref name="appBytes"/> of APP1 padding.</summary>
    public static byte[] JpegHeader(int width, int height, int appBytes = 0)
    {
        using var ms = new MemoryStream();
        ms.Write([0xFF, 0xD8]);
        var remaining = appBytes;
        while (remaining > 0)
        {
            var chunk = Math.Min(remaining, 65533);
            ms.Write([0xFF, 0xE1, (byte)((chunk + 2) >> 8), (byte)((chunk + 2) & 0xFF)]);
            ms.Write(new byte[chunk]);
            remaining -= chunk;
        }

        // SOF0: length 17, precision 8, height, width, 3 components.
        ms.Write([0xFF, 0xC0, 0x00, 0x11, 0x08, (byte)(height >> 8), (byte)height, (byte)(width >> 8), (byte)width, 0x03,
            0x01, 0x22, 0x00, 0x02, 0x11, 0x01, 0x03, 0x11, 0x01]);
        return ms.ToArray();
    }

    /// <summary>A GIF89a whose logical screen is <paramref name="width"/> x <paramref name="height"/> with one 1x1 frame.</summary>
    public static byte[] Gif(int width, int height) =>
    [
        (byte)'G', (byte)'I', (byte)'F', (byte)'8', (byte)'9', (byte)'a',
        (byte)width, (byte)(width >> 8), (byte)height, (byte)(height >> 8), 0x80, 0x00, 0x00,
        0x00, 0x00, 0x00, 0xFF, 0xFF, 0xFF, // 2-colour global table: black, white
        0x2C, 0x00, 0x00, 0x00, 0x00, 0x01, 0x00, 0x01, 0x00, 0x00, // image descriptor 1x1
        0x02, 0x02, 0x44, 0x01, 0x00, // LZW min code 2, one sub-block
        0x3B,
    ];

    /// <summary>
    /// <paramref name="length"/> seeded random bytes that are no image: the first, 'x', begins no
    /// image signature.
    /// </summary>
    public static byte[] NotAnImage(int length = 4096, int seed = 7)
    {
        var garbage = new byte[length];
        new Random(seed).NextBytes(garbage);
        garbage[0] = (byte)'x';
        return garbage;
    }

    internal static void WriteChunk(Stream stream, string type, byte[] data)
    {
        Span<byte> length = stackalloc byte[4];
        BinaryPrimitives.WriteInt32BigEndian(length, data.Length);
        stream.Write(length);
        var typeBytes = System.Text.Encoding.ASCII.GetBytes(type);
        stream.Write(typeBytes);
        stream.Write(data);
        var crc = ImageGateway.TestSupport.Crc32.Compute(typeBytes, data);
        Span<byte> crcBytes = stackalloc byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(crcBytes, crc);
        stream.Write(crcBytes);
    }
}
