using System.Numerics;
using System.Runtime.InteropServices;
using SixLabors.ImageSharp.PixelFormats;

namespace ImageGateway.Backend.Kernels;

/// <summary>
/// The white mask's kernels: they mark and count white pixels, a SIMD vector at a time. (They count
/// rows; counting an image, decode and checks included, is <c>ImageCounter</c>'s.) A pixel is white when every channel, alpha included, is
/// at its maximum: 0xFF for 8-bit channels, 0xFFFF for 16-bit ones; for <see cref="Rgba32"/> and
/// <see cref="Rgba64"/> that is "the pixel's machine word has every bit set". Decoding writes the
/// answer per pixel into a one-byte <see cref="WhiteMask{TReference}"/> (<c>Mark</c>), and counting
/// is then counting 0xFF bytes (<c>Count</c>). Every kernel has a scalar reference beside it for tests.
/// </summary>
public static class WhiteMaskKernels
{
    /// <summary>Counts white pixels in a row of masks.</summary>
    public static int Count<TReference>(ReadOnlySpan<WhiteMask<TReference>> row)
        where TReference : unmanaged, IPixel<TReference> => CountAllBitsSet(MemoryMarshal.AsBytes(row));

    /// <summary>Reference implementation: one mask at a time. For tests.</summary>
    public static int CountScalar<TReference>(ReadOnlySpan<WhiteMask<TReference>> row)
        where TReference : unmanaged, IPixel<TReference>
    {
        var count = 0;
        foreach (var p in row)
        {
            count += p.IsWhite ? 1 : 0;
        }

        return count;
    }

    /// <summary>Writes 0xFF into <paramref name="mask"/> for each white pixel of <paramref name="pixels"/>, 0 for the others.</summary>
    public static void Mark(ReadOnlySpan<Rgba32> pixels, Span<byte> mask)
    {
        var words = MemoryMarshal.Cast<Rgba32, uint>(pixels);
        CheckMaskLength(words.Length, mask.Length);
        var i = 0;
        if (Vector.IsHardwareAccelerated)
        {
            // Four vectors of 32-bit words narrow to one vector of bytes; all-ones stays all-ones.
            var lanes = Vector<uint>.Count;
            var white = Vector<uint>.AllBitsSet;
            for (; i + (4 * lanes) <= words.Length; i += 4 * lanes)
            {
                var a = Vector.Equals(new Vector<uint>(words[i..]), white);
                var b = Vector.Equals(new Vector<uint>(words[(i + lanes)..]), white);
                var c = Vector.Equals(new Vector<uint>(words[(i + (2 * lanes))..]), white);
                var d = Vector.Equals(new Vector<uint>(words[(i + (3 * lanes))..]), white);
                Vector.Narrow(Vector.Narrow(a, b), Vector.Narrow(c, d)).CopyTo(mask[i..]);
            }
        }

        MarkScalar(pixels[i..], mask[i..]);
    }

    /// <summary>Writes 0xFF into <paramref name="mask"/> for each white (all 0xFFFF) pixel of <paramref name="pixels"/>, 0 for the others.</summary>
    public static void Mark(ReadOnlySpan<Rgba64> pixels, Span<byte> mask)
    {
        var words = MemoryMarshal.Cast<Rgba64, ulong>(pixels);
        CheckMaskLength(words.Length, mask.Length);
        var i = 0;
        if (Vector.IsHardwareAccelerated)
        {
            // Eight vectors of 64-bit words narrow to one vector of bytes.
            var lanes = Vector<ulong>.Count;
            var white = Vector<ulong>.AllBitsSet;
            for (; i + (8 * lanes) <= words.Length; i += 8 * lanes)
            {
                Vector.Narrow(WhiteAsUInt16(words[i..], white), WhiteAsUInt16(words[(i + (4 * lanes))..], white)).CopyTo(mask[i..]);
            }
        }

        MarkScalar(pixels[i..], mask[i..]);
    }

    /// <summary>Reference implementation: one pixel at a time, channel by channel. For tests and row tails.</summary>
    public static void MarkScalar(ReadOnlySpan<Rgba32> pixels, Span<byte> mask)
    {
        CheckMaskLength(pixels.Length, mask.Length);
        for (var i = 0; i < pixels.Length; i++)
        {
            var p = pixels[i];
            mask[i] = p.R == byte.MaxValue && p.G == byte.MaxValue && p.B == byte.MaxValue && p.A == byte.MaxValue ? byte.MaxValue : (byte)0;
        }
    }

    /// <summary>Reference implementation for 16-bit pixels. For tests and row tails.</summary>
    public static void MarkScalar(ReadOnlySpan<Rgba64> pixels, Span<byte> mask)
    {
        CheckMaskLength(pixels.Length, mask.Length);
        for (var i = 0; i < pixels.Length; i++)
        {
            var p = pixels[i];
            mask[i] = p.R == ushort.MaxValue && p.G == ushort.MaxValue && p.B == ushort.MaxValue && p.A == ushort.MaxValue ? byte.MaxValue : (byte)0;
        }
    }

    /// <summary>Four vectors of 64-bit words from <paramref name="words"/>, compared with white and narrowed to one vector of 16-bit lanes.</summary>
    private static Vector<ushort> WhiteAsUInt16(ReadOnlySpan<ulong> words, Vector<ulong> white)
    {
        var lanes = Vector<ulong>.Count;
        var a = Vector.Equals(new Vector<ulong>(words), white);
        var b = Vector.Equals(new Vector<ulong>(words[lanes..]), white);
        var c = Vector.Equals(new Vector<ulong>(words[(2 * lanes)..]), white);
        var d = Vector.Equals(new Vector<ulong>(words[(3 * lanes)..]), white);
        return Vector.Narrow(Vector.Narrow(a, b), Vector.Narrow(c, d));
    }

    private static void CheckMaskLength(int pixels, int mask)
    {
        if (mask < pixels)
        {
            throw new ArgumentException($"The mask holds {mask} bytes for {pixels} pixels.", nameof(mask));
        }
    }

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
