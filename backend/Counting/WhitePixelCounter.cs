using System.Numerics;
using System.Runtime.InteropServices;
using SixLabors.ImageSharp.PixelFormats;

namespace ImageGateway.Backend.Counting;

/// <summary>
/// Counts exactly-white pixels in rows of decoded pixels. A pixel is white when every channel,
/// alpha included, is at its maximum: 0xFF for 8-bit channels, 0xFFFF for 16-bit ones. For
/// <see cref="L8"/>, <see cref="Rgba32"/> and <see cref="Rgba64"/> that is "the pixel's machine word has
/// every bit set", compared a SIMD vector at a time; <see cref="Rgb24"/> pixels straddle words and get
/// their own vector kernel. Every kernel has a scalar reference beside it for tests.
/// </summary>
public static class WhitePixelCounter
{
    /// <summary>Counts white pixels in a row of 8-bit gray pixels (opaque images only).</summary>
    public static int Count(ReadOnlySpan<L8> row) => CountAllBitsSet(MemoryMarshal.Cast<L8, byte>(row));

    /// <summary>Counts white pixels in a row of 8-bit RGBA pixels.</summary>
    public static int Count(ReadOnlySpan<Rgba32> row) => CountAllBitsSet(MemoryMarshal.Cast<Rgba32, uint>(row));

    /// <summary>Counts white pixels in a row of 16-bit RGBA pixels.</summary>
    public static int Count(ReadOnlySpan<Rgba64> row) => CountAllBitsSet(MemoryMarshal.Cast<Rgba64, ulong>(row));

    /// <summary>
    /// Counts white pixels in a row of 8-bit RGB pixels (opaque images only). Each vector lane j holds
    /// byte[j] AND byte[j+1] AND byte[j+2]; it is 0xFF exactly when the three bytes starting at j are,
    /// and only lanes where j is a multiple of three (a pixel's first byte) are counted.
    /// </summary>
    public static int Count(ReadOnlySpan<Rgb24> row)
    {
        var bytes = MemoryMarshal.AsBytes(row);
        var lanes = Vector<byte>.Count;
        var blockBytes = 3 * lanes; // a whole number of pixels
        var count = 0;
        var i = 0;
        if (Vector.IsHardwareAccelerated)
        {
            var selectors = RgbPixelStarts.Value;
            var white = Vector<byte>.AllBitsSet;
            // Each block adds at most one to each byte lane (the three selectors partition the lanes),
            // so lanes are flushed every 255 blocks. The loads at +1 and +2 read up to two bytes past the
            // block, hence the "+ 2" in the bound.
            while (i + blockBytes + 2 <= bytes.Length)
            {
                var blocks = Math.Min(byte.MaxValue, (bytes.Length - 2 - i) / blockBytes);
                var acc = Vector<byte>.Zero;
                for (var b = 0; b < blocks; b++, i += blockBytes)
                {
                    for (var k = 0; k < 3; k++)
                    {
                        var at = i + (k * lanes);
                        var all = new Vector<byte>(bytes[at..]) & new Vector<byte>(bytes[(at + 1)..]) & new Vector<byte>(bytes[(at + 2)..]);
                        acc -= Vector.Equals(all, white) & selectors[k];
                    }
                }

                Vector.Widen(acc, out var low, out var high);
                count += Vector.Sum(low) + Vector.Sum(high);
            }
        }

        return count + CountScalar(row[(i / 3)..]);
    }

    /// <summary>Reference implementation: one pixel at a time. For tests.</summary>
    public static int CountScalar(ReadOnlySpan<L8> row)
    {
        var count = 0;
        foreach (var p in row)
        {
            count += p.PackedValue == byte.MaxValue ? 1 : 0;
        }

        return count;
    }

    /// <summary>Reference implementation: one pixel at a time, channel by channel. For tests and row tails.</summary>
    public static int CountScalar(ReadOnlySpan<Rgb24> row)
    {
        var count = 0;
        foreach (var p in row)
        {
            count += p.R == byte.MaxValue && p.G == byte.MaxValue && p.B == byte.MaxValue ? 1 : 0;
        }

        return count;
    }

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

    /// <summary>For the k-th vector of a 3-vector block, all-ones in the lanes that start a pixel.</summary>
    private static readonly Lazy<Vector<byte>[]> RgbPixelStarts = new(() =>
    {
        var lanes = Vector<byte>.Count;
        var selectors = new Vector<byte>[3];
        var mask = new byte[lanes];
        for (var k = 0; k < 3; k++)
        {
            for (var j = 0; j < lanes; j++)
            {
                mask[j] = ((k * lanes) + j) % 3 == 0 ? byte.MaxValue : (byte)0;
            }

            selectors[k] = new Vector<byte>(mask);
        }

        return selectors;
    });

    private static int CountAllBitsSet<T>(ReadOnlySpan<T> words)
        where T : unmanaged, IBinaryInteger<T>
    {
        var i = 0;
        var count = 0;
        if (Vector.IsHardwareAccelerated && words.Length >= Vector<T>.Count)
        {
            // Each lane of Equals is all-ones (-1 as signed) where the word is white; subtracting the
            // mask adds one per white word. Lanes are flushed before they can overflow: every 255
            // vectors for byte lanes, every 2^20 for wider ones.
            var vectors = MemoryMarshal.Cast<T, Vector<T>>(words);
            var white = Vector<T>.AllBitsSet;
            var lanesPerVector = Vector<T>.Count;
            var blockSize = typeof(T) == typeof(byte) ? byte.MaxValue : 1 << 20;
            for (var start = 0; start < vectors.Length; start += blockSize)
            {
                var end = Math.Min(vectors.Length, start + blockSize);
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
