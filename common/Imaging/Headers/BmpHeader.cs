using System.Buffers.Binary;

namespace ImageGateway.Common.Imaging.Headers;

/// <summary>
/// TEMPORARY (headers-png): the pre-issue-10 BMP reading (core and info headers) and the BMP rules of
/// the former <c>KnownDecoderDefects</c> (impossible bit counts, pixel data cut short, embedded
/// JPEG/PNG) moved under the header-model contract. The headers-jpeg reader replaces this file.
/// </summary>
internal static class BmpHeader
{
    /// <inheritdoc cref="ImageHeaders.Read"/>
    public static HeaderRead Read(ReadOnlySpan<byte> data, bool complete, long? bodyLength)
    {
        if (data.Length < 18)
        {
            return Short(data, complete);
        }

        var pixelOffset = BinaryPrimitives.ReadUInt32LittleEndian(data[10..]);
        var headerSize = BinaryPrimitives.ReadUInt32LittleEndian(data[14..]);
        long width;
        long height;
        int bitsPerPixel;
        uint compression = 0;
        if (headerSize == 12)
        {
            if (data.Length < 26)
            {
                return Short(data, complete);
            }

            width = BinaryPrimitives.ReadUInt16LittleEndian(data[18..]);
            height = BinaryPrimitives.ReadUInt16LittleEndian(data[20..]);
            bitsPerPixel = BinaryPrimitives.ReadUInt16LittleEndian(data[24..]);
        }
        else if (headerSize >= 16)
        {
            if (data.Length < (headerSize >= 20 ? 34 : 30))
            {
                return Short(data, complete);
            }

            width = BinaryPrimitives.ReadInt32LittleEndian(data[18..]);
            height = Math.Abs((long)BinaryPrimitives.ReadInt32LittleEndian(data[22..]));
            bitsPerPixel = BinaryPrimitives.ReadUInt16LittleEndian(data[28..]);
            if (headerSize >= 20)
            {
                compression = BinaryPrimitives.ReadUInt32LittleEndian(data[30..]);
            }
        }
        else
        {
            return HeaderRead.Corrupt($"The BMP declares a {headerSize}-byte info header; the smallest is 12.");
        }

        if (width <= 0 || height > int.MaxValue)
        {
            return HeaderRead.Corrupt($"The BMP declares {width}x{height} pixels.");
        }

        if (compression is 4 or 5)
        {
            return HeaderRead.Corrupt("BMPs that embed JPEG or PNG data (BI_JPEG, BI_PNG) are not accepted; send the JPEG or PNG itself.");
        }

        if (bitsPerPixel is not (1 or 2 or 4 or 8 or 16 or 24 or 32 or 64))
        {
            return HeaderRead.Corrupt($"The BMP declares {bitsPerPixel} bits per pixel; valid values are 1, 2, 4, 8, 16, 24, 32 and 64.");
        }

        // Uncompressed (BI_RGB = 0, BI_BITFIELDS = 3, BI_ALPHABITFIELDS = 6): rows are padded to
        // 4 bytes, so the exact size of the pixel data is known.
        long total = complete ? data.Length : bodyLength ?? long.MaxValue;
        if (compression is 0 or 3 or 6 && width <= ushort.MaxValue && height <= ushort.MaxValue)
        {
            var stride = ((width * bitsPerPixel) + 31) / 32 * 4;
            var needed = pixelOffset + (stride * height);
            if (needed > total)
            {
                return HeaderRead.Corrupt($"The BMP is truncated: its {width}x{height} pixels need {needed} bytes, the body has {total}.");
            }
        }

        return HeaderRead.Accept(new BmpFacts((int)width, (int)height, compression is 1 or 2));
    }

    private static HeaderRead Short(ReadOnlySpan<byte> data, bool complete) => complete
        ? HeaderRead.Corrupt($"The BMP ends after {data.Length} bytes, inside its headers.")
        : HeaderRead.NeedMoreData;
}
