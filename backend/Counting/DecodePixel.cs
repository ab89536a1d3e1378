namespace ImageGateway.Backend.Counting;

/// <summary>
/// The cheapest pixel type that still answers the white test exactly for an image: gray without
/// alpha needs one byte a pixel, colour without alpha three; alpha needs four, and samples deeper
/// than 8 bits need 16-bit channels (0xFF80..0xFFFE would round up to 0xFF at 8 bits).
/// </summary>
public enum DecodePixel
{
    /// <summary>8-bit gray, opaque: <c>L8</c>.</summary>
    Gray8,

    /// <summary>8-bit colour, opaque: <c>Rgb24</c>.</summary>
    Rgb24,

    /// <summary>8-bit colour with alpha: <c>Rgba32</c>.</summary>
    Rgba32,

    /// <summary>16-bit colour with alpha: <c>Rgba64</c>.</summary>
    Rgba64,
}

public static class DecodePixelExtensions
{
    /// <summary>Bytes one decoded pixel takes.</summary>
    public static int BytesPerPixel(this DecodePixel pixel) => pixel switch
    {
        DecodePixel.Gray8 => 1,
        DecodePixel.Rgb24 => 3,
        DecodePixel.Rgba32 => 4,
        DecodePixel.Rgba64 => 8,
        _ => throw new ArgumentOutOfRangeException(nameof(pixel), pixel, null),
    };
}
