using System.IO.Compression;

namespace ImageGateway.TestSupport;

/// <summary>
/// Ready-made bodies whose header facts are chosen by the test: pixel floods, lying headers,
/// truncations, noise. Each is a composition of the per-format crafters (<see cref="CraftedPng"/>,
/// <see cref="CraftedJpeg"/>, <see cref="CraftedGif"/>), built byte by byte (with real CRCs) so no
/// encoder's opinion gets in the way.
/// </summary>
public static class CraftedImages
{
    /// <summary>
    /// A PNG whose IHDR declares <paramref name="width"/> x <paramref name="height"/> (8-bit RGB), with
    /// <paramref name="rows"/> rows of zero pixels compressed in its IDAT. A flood when rows is small.
    /// </summary>
    public static byte[] Png(int width, int height, int rows = 1, bool withEnd = true)
    {
        var rowBytes = (int)Math.Min(1 + (3L * width), 1 << 24);
        var idat = CraftedPng.Chunk("IDAT", CraftedPng.CompressRows(rowBytes, rows, CompressionLevel.SmallestSize));
        return withEnd
            ? CraftedPng.Build(CraftedPng.Ihdr(width, height), idat, CraftedPng.Chunk("IEND", []))
            : CraftedPng.Build(CraftedPng.Ihdr(width, height), idat);
    }

    /// <summary>
    /// A complete, decodable 8-bit RGB PNG of random pixels (none white unless by chance): noise does
    /// not compress, so the file is about 3 x width x height bytes. For load and benchmark bodies.
    /// </summary>
    public static byte[] NoisePng(int width, int height, int seed)
    {
        var random = new Random(seed);
        var data = CraftedPng.CompressRows(1 + (3 * width), height, CompressionLevel.Fastest, row => random.NextBytes(row[1..]));
        return CraftedPng.Build(CraftedPng.Ihdr(width, height), CraftedPng.Chunk("IDAT", data), CraftedPng.Chunk("IEND", []));
    }

    /// <summary>
    /// A baseline JPEG prefix (no tables, no scan) whose SOF0 declares the given size (4:2:0, three
    /// components), after <paramref name="appBytes"/> of APP1 padding.
    /// </summary>
    public static byte[] JpegHeader(int width, int height, int appBytes = 0)
    {
        using var ms = new MemoryStream();
        ms.Write([0xFF, 0xD8]);
        var remaining = appBytes;
        while (remaining > 0)
        {
            var chunk = Math.Min(remaining, 65533);
            ms.Write(CraftedJpeg.Segment(0xE1, new byte[chunk]));
            remaining -= chunk;
        }

        ms.Write(CraftedJpeg.FrameHeader(width, height, [new(1, 2, 2), new(2, 1, 1, QuantTable: 1), new(3, 1, 1, QuantTable: 1)]));
        return ms.ToArray();
    }

    /// <summary>A GIF89a whose logical screen is <paramref name="width"/> x <paramref name="height"/> with one 1x1 black frame.</summary>
    public static byte[] Gif(int width, int height) =>
        CraftedGif.Build(width, height, [CraftedGif.Black, CraftedGif.White], (0, 0, 1, 1), static (_, _) => 0);

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
}
