using SixLabors.ImageSharp.PixelFormats;

namespace ImageGateway.Backend.Counting;

/// <summary>
/// What an image is decoded into: a one-byte <see cref="WhiteMask{TReference}"/> whose white test is
/// the one of the 8-bit or the 16-bit reference pixel (one byte a pixel either way:
/// <see cref="ImageGateway.Common.Imaging.DecodeCostEstimator.DecodedBytesPerPixel"/>). Samples deeper than 8 bits need the 16-bit test
/// (0xFF80..0xFFFE would round up to 0xFF at 8 bits); everything else is 8-bit.
/// </summary>
public enum DecodePixel
{
    /// <summary>8-bit samples: white is 255 in every channel of <see cref="Rgba32"/>.</summary>
    Mask8,

    /// <summary>Deeper samples: white is 65535 in every channel of <see cref="Rgba64"/>.</summary>
    Mask16,
}
