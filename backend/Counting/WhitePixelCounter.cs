using System.Numerics;
using System.Runtime.InteropServices;
using SixLabors.ImageSharp.PixelFormats;

namespace ImageGateway.Backend.Counting;

/// <summary>
/// Counts exactly-white pixels in rows of decoded pixels. A pixel is white when every channel,
/// alpha included, is at its maximum: for <see cref="Rgba32"/> all four bytes are 0xFF, for
/// <see cref="Rgba64"/> all four 16-bit channels are 0xFFFF. Both reduce to "every bit is set",
/// so a row is compared as whole machine words, a SIMD vector at a time.
/// </summary>
public static class WhitePixelCounter
{
    /// <summary>Counts white pixels in a row of 8-bit RGBA pixels.</summary>
    public static int Count(ReadOnlySpan<Rgba32> row) => CountAllBitsSet(MemoryMarshal.Cast<Rgba32, uint>(row));

    /// <summary>Counts white pixels in a row of 16-bit RGBA pixels.</summary>
    public static int Count(ReadOnlySpan<Rgba64> row) => CountAllBitsSet(MemoryMarshal.Cast<Rgba64, ulong>(row));

    /// <summary>Reference implementation: one pixel at a time, channel by channel. For tests.</summary>
    public static int CountScalar(ReadOnlySpan<Rgba32> row)
    {
        var count = 0;
        foreach (var p in row)
        {
            if (p.R == byte.MaxValue && p.G == byte.MaxValue && p.B == byte.MaxValue && p.A == byte.MaxValue)
            {
                count++;
            }
        }

        return count;
    }

    /// <summary>Reference implementation for 16-bit pixels. For tests.</summary>
    public static int CountScalar(ReadOnlySpan<Rgba64> row)
    {
        var count = 0;
        foreach (var p in row)
        {
            if (p.R == ushort.MaxValue && p.G == ushort.MaxValue && p.B == ushort.MaxValue && p.A == ushort.MaxValue)
            {
                count++;
            }
        }

        return count;
    }

    private static int CountAllBitsSet<T>(ReadOnlySpan<T> words)
        where T : unmanaged, IBinaryInteger<T>
    {
        var i = 0;
        var count = 0;
        if (Vector.IsHardwareAccelerated && words.Length >= Vector<T>.Count)
        {
            // Each lane of Equals is all-ones (-1 as signed) where the word is white; subtracting the
            // mask as signed integers adds one per white word. Lanes are flushed every block so a
            // lane can never overflow, whatever the row length.
            var vectors = MemoryMarshal.Cast<T, Vector<T>>(words);
            var white = Vector<T>.AllBitsSet;
            var lanesPerVector = Vector<T>.Count;
            const int BlockSize = 1 << 20;
            for (var start = 0; start < vectors.Length; start += BlockSize)
            {
                var end = Math.Min(vectors.Length, start + BlockSize);
                var acc = Vector<T>.Zero;
                for (var v = start; v < end; v++)
                {
                    acc -= Vector.Equals(vectors[v], white);
                }

                for (var lane = 0; lane < lanesPerVector; lane++)
                {
                    count += int.CreateTruncating(acc[lane]);
                }
            }

            i = vectors.Length * lanesPerVector;
        }

        for (; i < words.Length; i++)
        {
            if (words[i] == T.AllBitsSet)
            {
                count++;
            }
        }

        return count;
    }
}
