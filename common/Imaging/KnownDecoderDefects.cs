using System.Buffers.Binary;

namespace ImageGateway.Common.Imaging;

/// <summary>
/// Inputs that ImageSharp 2.1.13 mishandles in ways a server cannot afford, recognised from the
/// header alone so they are refused before a decoder sees them. Each rule cites the evidence.
/// </summary>
public static class KnownDecoderDefects
{
    /// <summary>
    /// Returns why <paramref name="image"/> must not be decoded, or null when nothing here applies.
    /// <paramref name="formatName"/> is the short name from <see cref="SafeImageConfiguration.ShortName"/>.
    /// </summary>
    public static string? Check(string formatName, ReadOnlySpan<byte> image) => Check(formatName, image, image.Length);

    /// <summary>
    /// The same rules judged from <paramref name="header"/>, the first bytes of a body of
    /// <paramref name="bodyLength"/> bytes (<see cref="long.MaxValue"/> when unknown), so a gateway can
    /// apply them from a bounded prefix.
    /// </summary>
    public static string? Check(string formatName, ReadOnlySpan<byte> header, long bodyLength) => formatName switch
    {
        "png" => CheckPng(header),
        "bmp" => CheckBmp(header, bodyLength),
        _ => null,
    };

    /// <summary>
    /// Adam7-interlaced PNGs narrower or shorter than 5 pixels: the 2.1.13 decoder spins forever on
    /// some (PngSuite s01i3p01..s04i3p01, 1x1 to 4x4) and throws on others (measured over every
    /// colour type and bit depth, 1..10 x 1..10). A thread that never returns is a denial of service.
    /// </summary>
    private static string? CheckPng(ReadOnlySpan<byte> image)
    {
        // Signature (8) + IHDR length (4) + "IHDR" (4) + width (4) + height (4) + depth, colour,
        // compression, filter (4) + interlace (1).
        if (image.Length < 29 || !image.Slice(12, 4).SequenceEqual("IHDR"u8))
        {
            return null; // The decoder reports a malformed header itself.
        }

        var width = BinaryPrimitives.ReadUInt32BigEndian(image[16..]);
        var height = BinaryPrimitives.ReadUInt32BigEndian(image[20..]);
        var interlaced = image[28] == 1;
        return interlaced && (width < 5 || height < 5)
            ? $"Interlaced PNGs smaller than 5x5 pixels are not accepted (this one is {width}x{height}): the decoder cannot handle them safely."
            : null;
    }

    /// <summary>
    /// BMPs whose header is impossible or whose pixel data is cut short: 2.1.13 "decodes" a
    /// 30000-bit-per-pixel header and a truncated file into made-up pixels instead of failing
    /// (BMP Suite b/badbitcount.bmp, b/shortfile.bmp).
    /// </summary>
    private static string? CheckBmp(ReadOnlySpan<byte> image, long bodyLength)
    {
        // File header (14) + at least the 12-byte OS/2 core header.
        if (image.Length < 26)
        {
            return "The BMP is shorter than its headers.";
        }

        var pixelOffset = BinaryPrimitives.ReadUInt32LittleEndian(image[10..]);
        var headerSize = BinaryPrimitives.ReadUInt32LittleEndian(image[14..]);
        long width;
        long height;
        int bitsPerPixel;
        uint compression = 0;
        if (headerSize == 12)
        {
            width = BinaryPrimitives.ReadUInt16LittleEndian(image[18..]);
            height = BinaryPrimitives.ReadUInt16LittleEndian(image[20..]);
            bitsPerPixel = BinaryPrimitives.ReadUInt16LittleEndian(image[24..]);
        }
        else if (headerSize >= 16 && image.Length >= 34)
        {
            width = BinaryPrimitives.ReadInt32LittleEndian(image[18..]);
            height = Math.Abs((long)BinaryPrimitives.ReadInt32LittleEndian(image[22..]));
            bitsPerPixel = BinaryPrimitives.ReadUInt16LittleEndian(image[28..]);
            if (headerSize >= 20 && image.Length >= 34)
            {
                compression = BinaryPrimitives.ReadUInt32LittleEndian(image[30..]);
            }
        }
        else
        {
            return null;
        }

        if (compression is 4 or 5)
        {
            return "BMPs that embed JPEG or PNG data (BI_JPEG, BI_PNG) are not accepted; send the JPEG or PNG itself.";
        }

        if (bitsPerPixel is not (1 or 2 or 4 or 8 or 16 or 24 or 32 or 64))
        {
            return $"The BMP declares {bitsPerPixel} bits per pixel; valid values are 1, 2, 4, 8, 16, 24, 32 and 64.";
        }

        // Uncompressed (BI_RGB = 0, BI_BITFIELDS = 3, BI_ALPHABITFIELDS = 6): rows are padded to
        // 4 bytes, so the exact size of the pixel data is known.
        if (compression is 0 or 3 or 6 && width is > 0 and <= ushort.MaxValue && height <= ushort.MaxValue)
        {
            var stride = ((width * bitsPerPixel) + 31) / 32 * 4;
            var needed = pixelOffset + (stride * height);
            if (needed > bodyLength)
            {
                return $"The BMP is truncated: its {width}x{height} pixels need {needed} bytes, the body has {bodyLength}.";
            }
        }

        return null;
    }
}
