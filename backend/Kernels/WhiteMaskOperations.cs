using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;

namespace ImageGateway.Backend.Kernels;

/// <summary>
/// The bulk conversions ImageSharp's decoders call to fill rows of <see cref="WhiteMask{TReference}"/>.
/// Each converts a chunk of the source with <typeparamref name="TReference"/>'s own (vectorised)
/// operation into a small stack buffer, then marks which results are white
/// (<see cref="WhiteMaskKernels.Mark(ReadOnlySpan{Rgba32}, Span{byte})"/>). Going through the reference
/// type keeps every rounding exactly as decoding into it would (JPEG's float planes, 16-bit scaling),
/// while the image itself never holds more than one byte a pixel.
/// </summary>
public sealed class WhiteMaskOperations<TReference> : PixelOperations<WhiteMask<TReference>>
    where TReference : unmanaged, IPixel<TReference>
{
    /// <summary>Pixels converted per step: 256 fit in 2 KiB of stack at 8 bytes a pixel.</summary>
    private const int ChunkPixels = 256;

    public WhiteMaskOperations()
    {
        var size = Unsafe.SizeOf<TReference>();
        if (size is not (sizeof(uint) or sizeof(ulong)))
        {
            throw new NotSupportedException($"{typeof(TReference).Name} is {size} bytes; a white mask needs a 4- or 8-byte reference pixel whose white is all bits set.");
        }
    }

    private delegate void ChunkConversion<TSource>(PixelOperations<TReference> reference, Configuration configuration, ReadOnlySpan<TSource> source, Span<TReference> destination);

    public override void FromArgb32(Configuration configuration, ReadOnlySpan<Argb32> source, Span<WhiteMask<TReference>> destinationPixels) =>
        Through(configuration, source, destinationPixels, static (r, c, s, d) => r.FromArgb32(c, s, d));

    public override void FromAbgr32(Configuration configuration, ReadOnlySpan<Abgr32> source, Span<WhiteMask<TReference>> destinationPixels) =>
        Through(configuration, source, destinationPixels, static (r, c, s, d) => r.FromAbgr32(c, s, d));

    public override void FromBgr24(Configuration configuration, ReadOnlySpan<Bgr24> source, Span<WhiteMask<TReference>> destinationPixels) =>
        Through(configuration, source, destinationPixels, static (r, c, s, d) => r.FromBgr24(c, s, d));

    public override void FromBgra32(Configuration configuration, ReadOnlySpan<Bgra32> source, Span<WhiteMask<TReference>> destinationPixels) =>
        Through(configuration, source, destinationPixels, static (r, c, s, d) => r.FromBgra32(c, s, d));

    public override void FromBgra5551(Configuration configuration, ReadOnlySpan<Bgra5551> source, Span<WhiteMask<TReference>> destinationPixels) =>
        Through(configuration, source, destinationPixels, static (r, c, s, d) => r.FromBgra5551(c, s, d));

    public override void FromL8(Configuration configuration, ReadOnlySpan<L8> source, Span<WhiteMask<TReference>> destinationPixels) =>
        Through(configuration, source, destinationPixels, static (r, c, s, d) => r.FromL8(c, s, d));

    public override void FromL16(Configuration configuration, ReadOnlySpan<L16> source, Span<WhiteMask<TReference>> destinationPixels) =>
        Through(configuration, source, destinationPixels, static (r, c, s, d) => r.FromL16(c, s, d));

    public override void FromLa16(Configuration configuration, ReadOnlySpan<La16> source, Span<WhiteMask<TReference>> destinationPixels) =>
        Through(configuration, source, destinationPixels, static (r, c, s, d) => r.FromLa16(c, s, d));

    public override void FromLa32(Configuration configuration, ReadOnlySpan<La32> source, Span<WhiteMask<TReference>> destinationPixels) =>
        Through(configuration, source, destinationPixels, static (r, c, s, d) => r.FromLa32(c, s, d));

    public override void FromRgb24(Configuration configuration, ReadOnlySpan<Rgb24> source, Span<WhiteMask<TReference>> destinationPixels) =>
        Through(configuration, source, destinationPixels, static (r, c, s, d) => r.FromRgb24(c, s, d));

    public override void FromRgba32(Configuration configuration, ReadOnlySpan<Rgba32> source, Span<WhiteMask<TReference>> destinationPixels) =>
        Through(configuration, source, destinationPixels, static (r, c, s, d) => r.FromRgba32(c, s, d));

    public override void FromRgb48(Configuration configuration, ReadOnlySpan<Rgb48> source, Span<WhiteMask<TReference>> destinationPixels) =>
        Through(configuration, source, destinationPixels, static (r, c, s, d) => r.FromRgb48(c, s, d));

    public override void FromRgba64(Configuration configuration, ReadOnlySpan<Rgba64> source, Span<WhiteMask<TReference>> destinationPixels) =>
        Through(configuration, source, destinationPixels, static (r, c, s, d) => r.FromRgba64(c, s, d));

    public override void From<TSourcePixel>(Configuration configuration, ReadOnlySpan<TSourcePixel> sourcePixels, Span<WhiteMask<TReference>> destinationPixels) =>
        Through(configuration, sourcePixels, destinationPixels, static (r, c, s, d) => r.From(c, s, d));

    public override void FromVector4Destructive(Configuration configuration, Span<Vector4> sourceVectors, Span<WhiteMask<TReference>> destinationPixels, PixelConversionModifiers modifiers)
    {
        CheckLengths(sourceVectors.Length, destinationPixels.Length);
        Span<TReference> chunk = stackalloc TReference[ChunkPixels];
        var reference = PixelOperations<TReference>.Instance;
        for (var start = 0; start < sourceVectors.Length; start += ChunkPixels)
        {
            var count = Math.Min(ChunkPixels, sourceVectors.Length - start);
            reference.FromVector4Destructive(configuration, sourceVectors.Slice(start, count), chunk[..count], modifiers);
            Mark(chunk[..count], destinationPixels.Slice(start, count));
        }
    }

    private static void Through<TSource>(Configuration configuration, ReadOnlySpan<TSource> source, Span<WhiteMask<TReference>> destination, ChunkConversion<TSource> convert)
    {
        CheckLengths(source.Length, destination.Length);
        Span<TReference> chunk = stackalloc TReference[ChunkPixels];
        var reference = PixelOperations<TReference>.Instance;
        for (var start = 0; start < source.Length; start += ChunkPixels)
        {
            var count = Math.Min(ChunkPixels, source.Length - start);
            convert(reference, configuration, source.Slice(start, count), chunk[..count]);
            Mark(chunk[..count], destination.Slice(start, count));
        }
    }

    private static void Mark(ReadOnlySpan<TReference> pixels, Span<WhiteMask<TReference>> destination)
    {
        var mask = MemoryMarshal.AsBytes(destination);
        if (typeof(TReference) == typeof(Rgba32))
        {
            WhiteMaskKernels.Mark(MemoryMarshal.Cast<TReference, Rgba32>(pixels), mask);
        }
        else if (typeof(TReference) == typeof(Rgba64))
        {
            WhiteMaskKernels.Mark(MemoryMarshal.Cast<TReference, Rgba64>(pixels), mask);
        }
        else
        {
            for (var i = 0; i < pixels.Length; i++)
            {
                destination[i] = WhiteMask<TReference>.Of(pixels[i]);
            }
        }
    }

    private static void CheckLengths(int source, int destination)
    {
        if (destination < source)
        {
            throw new ArgumentException($"The destination holds {destination} pixels; the source has {source}.", "destinationPixels");
        }
    }
}
