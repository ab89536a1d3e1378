using System.Numerics;
using ImageGateway.Backend.Kernels;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;

namespace ImageGateway.Backend.Tests.Kernels;

/// <summary>
/// The one-byte white mask must answer "is this pixel exactly white?" as the source pixel says it,
/// through every conversion a decoder may call, one pixel at a time and in bulk. Expected answers
/// are written from the source channels, not computed by the code under test.
/// </summary>
public sealed class WhiteMaskTests
{
    private const int Length = 1000; // several 256-pixel chunks and a partial one
    private static readonly Configuration Configuration = Configuration.Default;

    [Fact]
    public void Mask_IsOneBytePerPixel() => Assert.Equal(1, System.Runtime.CompilerServices.Unsafe.SizeOf<WhiteMask<Rgba32>>());

    [Fact]
    public void EightBitSources_AreWhiteOnlyWhenEveryChannelIs255_ForBothTests()
    {
        AssertBoth(new Rgb24(255, 255, 255), true, (ref m, s) => m.FromRgb24(s), (ref m, s) => m.FromRgb24(s));
        AssertBoth(new Rgb24(255, 254, 255), false, (ref m, s) => m.FromRgb24(s), (ref m, s) => m.FromRgb24(s));
        AssertBoth(new Rgba32(255, 255, 255, 255), true, (ref m, s) => m.FromRgba32(s), (ref m, s) => m.FromRgba32(s));
        AssertBoth(new Rgba32(255, 255, 255, 254), false, (ref m, s) => m.FromRgba32(s), (ref m, s) => m.FromRgba32(s));
        AssertBoth(new Bgra32(255, 255, 255, 255), true, (ref m, s) => m.FromBgra32(s), (ref m, s) => m.FromBgra32(s));
        AssertBoth(new Bgra32(255, 255, 255, 0), false, (ref m, s) => m.FromBgra32(s), (ref m, s) => m.FromBgra32(s));
        AssertBoth(new Bgr24(255, 255, 255), true, (ref m, s) => m.FromBgr24(s), (ref m, s) => m.FromBgr24(s));
        AssertBoth(new Bgr24(0, 255, 255), false, (ref m, s) => m.FromBgr24(s), (ref m, s) => m.FromBgr24(s));
        AssertBoth(new Argb32(255, 255, 255, 255), true, (ref m, s) => m.FromArgb32(s), (ref m, s) => m.FromArgb32(s));
        AssertBoth(new Abgr32(255, 255, 255, 128), false, (ref m, s) => m.FromAbgr32(s), (ref m, s) => m.FromAbgr32(s));
        AssertBoth(new L8(255), true, (ref m, s) => m.FromL8(s), (ref m, s) => m.FromL8(s));
        AssertBoth(new L8(254), false, (ref m, s) => m.FromL8(s), (ref m, s) => m.FromL8(s));
        AssertBoth(new La16(255, 255), true, (ref m, s) => m.FromLa16(s), (ref m, s) => m.FromLa16(s));
        AssertBoth(new La16(255, 254), false, (ref m, s) => m.FromLa16(s), (ref m, s) => m.FromLa16(s));
        AssertBoth(new Bgra5551(1, 1, 1, 1), true, (ref m, s) => m.FromBgra5551(s), (ref m, s) => m.FromBgra5551(s));
        AssertBoth(new Bgra5551(1, 1, 1, 0), false, (ref m, s) => m.FromBgra5551(s), (ref m, s) => m.FromBgra5551(s));
    }

    [Fact]
    public void SixteenBitSources_UnderTheSixteenBitTest_AreWhiteOnlyAt65535()
    {
        Assert.True(Mask16(new Rgba64(ushort.MaxValue, ushort.MaxValue, ushort.MaxValue, ushort.MaxValue), (ref m, s) => m.FromRgba64(s)));
        Assert.False(Mask16(new Rgba64(ushort.MaxValue, 0xFFFE, ushort.MaxValue, ushort.MaxValue), (ref m, s) => m.FromRgba64(s)));
        Assert.True(Mask16(new Rgb48(ushort.MaxValue, ushort.MaxValue, ushort.MaxValue), (ref m, s) => m.FromRgb48(s)));
        Assert.False(Mask16(new Rgb48(0xFF80, ushort.MaxValue, ushort.MaxValue), (ref m, s) => m.FromRgb48(s)));
        Assert.True(Mask16(new L16(ushort.MaxValue), (ref m, s) => m.FromL16(s)));
        Assert.False(Mask16(new L16(0xFFFE), (ref m, s) => m.FromL16(s)));
        Assert.True(Mask16(new La32(ushort.MaxValue, ushort.MaxValue), (ref m, s) => m.FromLa32(s)));
        Assert.False(Mask16(new La32(ushort.MaxValue, 0xFFFE), (ref m, s) => m.FromLa32(s)));
    }

    [Fact]
    public void Vectors_RoundLikeTheReferencePixel()
    {
        // 0.999 is 254.7 at 8 bits (rounds to 255: white, as decoding into Rgba32 says) but 65469 at 16.
        var nearWhite = new Vector4(1f, 0.999f, 1f, 1f);
        Assert.True(Mask8(Vector4.One, (ref m, v) => m.FromVector4(v)));
        Assert.True(Mask8(nearWhite, (ref m, v) => m.FromVector4(v)));
        Assert.False(Mask8(new Vector4(1f, 0.99f, 1f, 1f), (ref m, v) => m.FromVector4(v)));
        Assert.True(Mask16(Vector4.One, (ref m, v) => m.FromScaledVector4(v)));
        Assert.False(Mask16(nearWhite, (ref m, v) => m.FromScaledVector4(v)));
    }

    [Fact]
    public void BulkEightBitConversions_MarkExactlyTheWhiteSources()
    {
        var random = new Random(7);
        var rgb = Sources(random, () => new Rgb24(255, 255, 255), () => new Rgb24(255, (byte)random.Next(255), 255), p => p == new Rgb24(255, 255, 255));
        AssertBulk(rgb, (o, s, d) => o.FromRgb24(Configuration, s, d), (o, s, d) => o.FromRgb24(Configuration, s, d));
        var rgba = Sources(random, () => new Rgba32(uint.MaxValue), () => new Rgba32(255, 255, 255, (byte)random.Next(255)), p => p.PackedValue == uint.MaxValue);
        AssertBulk(rgba, (o, s, d) => o.FromRgba32(Configuration, s, d), (o, s, d) => o.FromRgba32(Configuration, s, d));
        var bgra = Sources(random, () => new Bgra32(255, 255, 255, 255), () => new Bgra32((byte)random.Next(255), 255, 255, 255), p => p.PackedValue == uint.MaxValue);
        AssertBulk(bgra, (o, s, d) => o.FromBgra32(Configuration, s, d), (o, s, d) => o.FromBgra32(Configuration, s, d));
        var bgr = Sources(random, () => new Bgr24(255, 255, 255), () => new Bgr24(255, 255, (byte)random.Next(255)), p => p == new Bgr24(255, 255, 255));
        AssertBulk(bgr, (o, s, d) => o.FromBgr24(Configuration, s, d), (o, s, d) => o.FromBgr24(Configuration, s, d));
        var l8 = Sources(random, () => new L8(255), () => new L8((byte)random.Next(255)), p => p.PackedValue == 255);
        AssertBulk(l8, (o, s, d) => o.FromL8(Configuration, s, d), (o, s, d) => o.FromL8(Configuration, s, d));
        var la = Sources(random, () => new La16(255, 255), () => new La16(255, (byte)random.Next(255)), p => p.PackedValue == ushort.MaxValue);
        AssertBulk(la, (o, s, d) => o.FromLa16(Configuration, s, d), (o, s, d) => o.FromLa16(Configuration, s, d));
        var argb = Sources(random, () => new Argb32(255, 255, 255, 255), () => new Argb32(255, 255, 255, (byte)random.Next(255)), p => p.PackedValue == uint.MaxValue);
        AssertBulk(argb, (o, s, d) => o.FromArgb32(Configuration, s, d), (o, s, d) => o.FromArgb32(Configuration, s, d));
        var abgr = Sources(random, () => new Abgr32(255, 255, 255, 255), () => new Abgr32(255, (byte)random.Next(255), 255, 255), p => p.PackedValue == uint.MaxValue);
        AssertBulk(abgr, (o, s, d) => o.FromAbgr32(Configuration, s, d), (o, s, d) => o.FromAbgr32(Configuration, s, d));
    }

    [Fact]
    public void BulkSixteenBitConversions_UnderTheSixteenBitTest_MarkOnly65535()
    {
        var random = new Random(8);
        var mask16 = PixelOperations<WhiteMask<Rgba64>>.Instance;
        var rgba = Sources(random, () => new Rgba64(ushort.MaxValue, ushort.MaxValue, ushort.MaxValue, ushort.MaxValue), () => new Rgba64(ushort.MaxValue, ushort.MaxValue, (ushort)random.Next(0xFF00, 0xFFFF), ushort.MaxValue), p => p.PackedValue == ulong.MaxValue);
        AssertMarked(rgba, (WhiteMask<Rgba64>[] d) => mask16.FromRgba64(Configuration, rgba.Pixels, d));
        var rgb = Sources(random, () => new Rgb48(ushort.MaxValue, ushort.MaxValue, ushort.MaxValue), () => new Rgb48((ushort)random.Next(0xFF00, 0xFFFF), ushort.MaxValue, ushort.MaxValue), p => p.R == ushort.MaxValue);
        AssertMarked(rgb, (WhiteMask<Rgba64>[] d) => mask16.FromRgb48(Configuration, rgb.Pixels, d));
        var l16 = Sources(random, () => new L16(ushort.MaxValue), () => new L16((ushort)random.Next(0xFF00, 0xFFFF)), p => p.PackedValue == ushort.MaxValue);
        AssertMarked(l16, (WhiteMask<Rgba64>[] d) => mask16.FromL16(Configuration, l16.Pixels, d));
        var la32 = Sources(random, () => new La32(ushort.MaxValue, ushort.MaxValue), () => new La32(ushort.MaxValue, (ushort)random.Next(0xFF00, 0xFFFF)), p => p.PackedValue == uint.MaxValue);
        AssertMarked(la32, (WhiteMask<Rgba64>[] d) => mask16.FromLa32(Configuration, la32.Pixels, d));
    }

    [Fact]
    public void BulkVectorsAndGenericSources_MarkLikeTheReferencePixel()
    {
        var random = new Random(9);
        var vectors = Sources(random, () => Vector4.One, () => new Vector4(1f, 1f, (float)random.NextDouble() * 0.99f, 1f), v => v == Vector4.One);
        AssertMarked(vectors, (WhiteMask<Rgba32>[] d) => PixelOperations<WhiteMask<Rgba32>>.Instance.FromVector4Destructive(Configuration, vectors.Pixels.ToArray(), d, PixelConversionModifiers.None));
        AssertMarked(vectors, (WhiteMask<Rgba64>[] d) => PixelOperations<WhiteMask<Rgba64>>.Instance.FromVector4Destructive(Configuration, vectors.Pixels.ToArray(), d, PixelConversionModifiers.Scale));
        var rgba = Sources(random, () => new Rgba32(uint.MaxValue), () => new Rgba32((byte)random.Next(255), 255, 255, 255), p => p.PackedValue == uint.MaxValue);
        AssertMarked(rgba, (WhiteMask<Rgba32>[] d) => PixelOperations<WhiteMask<Rgba32>>.Instance.From(Configuration, rgba.Pixels, d));
    }

    [Fact]
    public void ReferenceWhoseWhiteIsNotOneMachineWord_IsRefused() =>
        Assert.Throws<NotSupportedException>(() => new WhiteMaskOperations<Rgb24>());

    [Fact]
    public void BulkConversion_IntoTooShortADestination_Throws() =>
        Assert.Throws<ArgumentException>(() => PixelOperations<WhiteMask<Rgba32>>.Instance.FromRgb24(Configuration, new Rgb24[10], new WhiteMask<Rgba32>[9]));

    private delegate void PixelConversion<TMask, in TSource>(ref TMask mask, TSource source);

    private delegate void BulkConversion<TReference, TSource>(PixelOperations<WhiteMask<TReference>> operations, ReadOnlySpan<TSource> source, Span<WhiteMask<TReference>> destination)
        where TReference : unmanaged, IPixel<TReference>;

    private static bool Mask8<TSource>(TSource source, PixelConversion<WhiteMask<Rgba32>, TSource> convert)
    {
        var mask = new WhiteMask<Rgba32> { PackedValue = 0x5A };
        convert(ref mask, source);
        Assert.True(mask.PackedValue is 0 or WhiteMask<Rgba32>.WhiteByte);
        return mask.IsWhite;
    }

    private static bool Mask16<TSource>(TSource source, PixelConversion<WhiteMask<Rgba64>, TSource> convert)
    {
        var mask = new WhiteMask<Rgba64> { PackedValue = 0x5A };
        convert(ref mask, source);
        Assert.True(mask.PackedValue is 0 or WhiteMask<Rgba64>.WhiteByte);
        return mask.IsWhite;
    }

    private static void AssertBoth<TSource>(TSource source, bool white, PixelConversion<WhiteMask<Rgba32>, TSource> to8, PixelConversion<WhiteMask<Rgba64>, TSource> to16)
    {
        Assert.Equal(white, Mask8(source, to8));
        Assert.Equal(white, Mask16(source, to16));
    }

    private static (TSource[] Pixels, bool[] White) Sources<TSource>(Random random, Func<TSource> white, Func<TSource> nearWhite, Func<TSource, bool> isWhite)
    {
        var pixels = new TSource[Length];
        for (var i = 0; i < Length; i++)
        {
            pixels[i] = random.Next(3) == 0 ? white() : nearWhite();
        }

        var expected = Array.ConvertAll(pixels, p => isWhite(p));
        Assert.Contains(true, expected);
        Assert.Contains(false, expected);
        return (pixels, expected);
    }

    private static void AssertBulk<TSource>((TSource[] Pixels, bool[] White) source, BulkConversion<Rgba32, TSource> to8, BulkConversion<Rgba64, TSource> to16)
    {
        AssertMarked(source, (WhiteMask<Rgba32>[] d) => to8(PixelOperations<WhiteMask<Rgba32>>.Instance, source.Pixels, d));
        AssertMarked(source, (WhiteMask<Rgba64>[] d) => to16(PixelOperations<WhiteMask<Rgba64>>.Instance, source.Pixels, d));
    }

    private static void AssertMarked<TSource, TReference>((TSource[] Pixels, bool[] White) source, Action<WhiteMask<TReference>[]> convert)
        where TReference : unmanaged, IPixel<TReference>
    {
        var destination = new WhiteMask<TReference>[Length];
        convert(destination);
        Assert.Equal(source.White, Array.ConvertAll(destination, m => m.IsWhite));
        Assert.All(destination, m => Assert.True(m.PackedValue is 0 or WhiteMask<TReference>.WhiteByte));
    }
}
