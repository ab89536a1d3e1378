using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using SixLabors.ImageSharp.PixelFormats;

namespace ImageGateway.Backend.Kernels;

/// <summary>
/// A one-byte pixel that keeps only the answer counting needs: was the decoded pixel exactly white?
/// Decoding into it instead of <typeparamref name="TReference"/> takes 1 byte a pixel instead of 4
/// (<see cref="Rgba32"/>) or 8 (<see cref="Rgba64"/>): a 4-megapixel photo needs 4 MiB, not 12-16.
/// <para>
/// Conversions go through <typeparamref name="TReference"/> and ask whether the result has every bit
/// set (8-bit sources are tested directly, with the same answer), so the answer is the one decoding
/// into <typeparamref name="TReference"/> and counting would give: 8-bit images use
/// <see cref="Rgba32"/> (white is 255 in every channel, alpha included); deeper ones
/// <see cref="Rgba64"/> (65535; 0xFFFE must not round up to white). The reference must be a 4- or
/// 8-byte pixel whose white is all bits set (checked when its operations are created).
/// The bulk conversions ImageSharp's decoders call are in <see cref="WhiteMaskOperations{TReference}"/>.
/// </para>
/// A mask pixel reads back as opaque white or transparent black.
/// </summary>
[StructLayout(LayoutKind.Sequential, Size = 1)]
public struct WhiteMask<TReference> : IPixel<WhiteMask<TReference>>, IEquatable<WhiteMask<TReference>>
    where TReference : unmanaged, IPixel<TReference>
{
    /// <summary>The byte of a white pixel; any other pixel is 0.</summary>
    public const byte WhiteByte = byte.MaxValue;

    /// <summary><see cref="WhiteByte"/> when white, else 0.</summary>
    public byte PackedValue;

    /// <summary>Whether the pixel was exactly white.</summary>
    public readonly bool IsWhite => PackedValue == WhiteByte;

    public static bool operator ==(WhiteMask<TReference> left, WhiteMask<TReference> right) => left.Equals(right);

    public static bool operator !=(WhiteMask<TReference> left, WhiteMask<TReference> right) => !left.Equals(right);

    /// <summary>The mask of one reference pixel.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static WhiteMask<TReference> Of(TReference pixel) => new() { PackedValue = IsAllBitsSet(pixel) ? WhiteByte : (byte)0 };

    /// <summary>Whether a reference pixel is white: its machine word has every bit set.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool IsAllBitsSet(TReference pixel) => Unsafe.SizeOf<TReference>() == sizeof(uint)
        ? Unsafe.As<TReference, uint>(ref pixel) == uint.MaxValue
        : Unsafe.As<TReference, ulong>(ref pixel) == ulong.MaxValue;

    /// <summary>
    /// The 8-bit sources decoders convert one pixel at a time (JPEG's planes, palettes, tRNS) are
    /// tested directly: an all-255 8-bit pixel is white under both references (255 widens to 65535),
    /// and no other is. The rest go through <typeparamref name="TReference"/>.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static byte WhiteIf(bool white) => white ? WhiteByte : (byte)0;

    public readonly PixelOperations<WhiteMask<TReference>> CreatePixelOperations() => new WhiteMaskOperations<TReference>();

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void FromScaledVector4(Vector4 vector)
    {
        TReference pixel = default;
        pixel.FromScaledVector4(vector);
        this = Of(pixel);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void FromVector4(Vector4 vector)
    {
        TReference pixel = default;
        pixel.FromVector4(vector);
        this = Of(pixel);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void FromArgb32(Argb32 source)
    {
        TReference pixel = default;
        pixel.FromArgb32(source);
        this = Of(pixel);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void FromBgra5551(Bgra5551 source)
    {
        TReference pixel = default;
        pixel.FromBgra5551(source);
        this = Of(pixel);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void FromBgr24(Bgr24 source) => PackedValue = WhiteIf((source.R & source.G & source.B) == byte.MaxValue);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void FromBgra32(Bgra32 source) => PackedValue = WhiteIf(source.PackedValue == uint.MaxValue);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void FromAbgr32(Abgr32 source)
    {
        TReference pixel = default;
        pixel.FromAbgr32(source);
        this = Of(pixel);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void FromL8(L8 source) => PackedValue = WhiteIf(source.PackedValue == byte.MaxValue);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void FromL16(L16 source)
    {
        TReference pixel = default;
        pixel.FromL16(source);
        this = Of(pixel);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void FromLa16(La16 source) => PackedValue = WhiteIf(source.PackedValue == ushort.MaxValue);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void FromLa32(La32 source)
    {
        TReference pixel = default;
        pixel.FromLa32(source);
        this = Of(pixel);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void FromRgb24(Rgb24 source) => PackedValue = WhiteIf((source.R & source.G & source.B) == byte.MaxValue);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void FromRgba32(Rgba32 source) => PackedValue = WhiteIf(source.PackedValue == uint.MaxValue);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void FromRgb48(Rgb48 source)
    {
        TReference pixel = default;
        pixel.FromRgb48(source);
        this = Of(pixel);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void FromRgba64(Rgba64 source)
    {
        TReference pixel = default;
        pixel.FromRgba64(source);
        this = Of(pixel);
    }

    public readonly void ToRgba32(ref Rgba32 dest) => dest = IsWhite ? new Rgba32(uint.MaxValue) : default;

    public readonly Vector4 ToScaledVector4() => ToVector4();

    public readonly Vector4 ToVector4() => IsWhite ? Vector4.One : Vector4.Zero;

    public readonly bool Equals(WhiteMask<TReference> other) => PackedValue == other.PackedValue;

    public override readonly bool Equals(object? obj) => obj is WhiteMask<TReference> other && Equals(other);

    public override readonly int GetHashCode() => PackedValue;

    public override readonly string ToString() => IsWhite ? "White" : "NotWhite";
}
