using System.Buffers.Binary;

namespace ImageGateway.Common.Imaging;

/// <summary>
/// The few header facts ImageSharp's <c>Identify</c> does not expose but decoding cost depends on: a
/// JPEG's frame (progressive? which sampling?), a GIF's first frame, a WebP's separate alpha plane, a
/// BMP's run-length coding. Read from the first bytes of the image (a prefix holding the header
/// suffices), bounded; the gateway reads them from its peek, the backend from the whole body.
/// </summary>
public static class FormatHeaders
{
    /// <summary>Reads the first start-of-frame marker of a JPEG, or null when none precedes the first scan.</summary>
    public static JpegFrame? ReadJpegFrame(ReadOnlySpan<byte> jpeg)
    {
        var i = 2; // after SOI
        while (i + 4 <= jpeg.Length)
        {
            if (jpeg[i] != 0xFF)
            {
                return null;
            }

            var marker = jpeg[i + 1];
            if (marker == 0xFF)
            {
                i++; // fill byte
                continue;
            }

            if (marker is 0x01 or 0xD8 or (>= 0xD0 and <= 0xD7))
            {
                i += 2; // no length
                continue;
            }

            if (marker == 0xDA || marker == 0xD9)
            {
                return null; // a scan or the end before any frame header
            }

            var length = BinaryPrimitives.ReadUInt16BigEndian(jpeg[(i + 2)..]);
            var isFrame = marker is >= 0xC0 and <= 0xCF and not 0xC4 and not 0xC8 and not 0xCC;
            if (isFrame)
            {
                var sof = jpeg[(i + 4)..];
                if (sof.Length < 6 || sof[5] == 0 || sof.Length < 6 + (3 * sof[5]))
                {
                    return null;
                }

                var components = new JpegComponent[sof[5]];
                for (var c = 0; c < components.Length; c++)
                {
                    var factors = sof[6 + (3 * c) + 1];
                    components[c] = new JpegComponent(Math.Max(1, factors >> 4), Math.Max(1, factors & 0x0F));
                }

                return new JpegFrame(Progressive: marker is 0xC2 or 0xC6 or 0xCA or 0xCE, components);
            }

            i += 2 + length;
        }

        return null;
    }

    /// <summary>
    /// The size of a GIF's first image descriptor, which ImageSharp decodes into a buffer of that many
    /// bytes whatever the logical screen says; null when no descriptor is found in the bytes.
    /// </summary>
    public static (int Width, int Height)? GifFirstFrameSize(ReadOnlySpan<byte> gif)
    {
        if (gif.Length < 13)
        {
            return null;
        }

        var i = 13;
        if ((gif[10] & 0x80) != 0)
        {
            i += 3 * (1 << ((gif[10] & 0x07) + 1)); // global colour table
        }

        while (i < gif.Length)
        {
            switch (gif[i])
            {
                case 0x2C when i + 9 <= gif.Length:
                    return (BinaryPrimitives.ReadUInt16LittleEndian(gif[(i + 5)..]), BinaryPrimitives.ReadUInt16LittleEndian(gif[(i + 7)..]));
                case 0x21 when i + 2 < gif.Length:
                    i += 2; // introducer and label, then data sub-blocks up to a zero length
                    while (i < gif.Length && gif[i] != 0)
                    {
                        i += gif[i] + 1;
                    }

                    i++;
                    break;
                default:
                    return null;
            }
        }

        return null;
    }

    /// <summary>True for a BMP whose compression is RLE8 or RLE4.</summary>
    public static bool IsRunLengthBmp(ReadOnlySpan<byte> bmp) =>
        bmp.Length >= 34 && BinaryPrimitives.ReadUInt32LittleEndian(bmp[30..]) is 1 or 2;

    /// <summary>True for an extended WebP (VP8X) whose header flags an alpha channel (an ALPH chunk beside lossy data).</summary>
    public static bool IsExtendedWebpWithAlpha(ReadOnlySpan<byte> webp) =>
        webp.Length >= 21 && webp.Slice(12, 4).SequenceEqual("VP8X"u8) && (webp[20] & 0x10) != 0;

}

/// <summary>A JPEG frame header: progressive or not, and each component's sampling factors.</summary>
public sealed record JpegFrame(bool Progressive, IReadOnlyList<JpegComponent> Components)
{
    /// <summary>The dearest frame to decode: progressive, three components at full resolution.</summary>
    public static readonly JpegFrame ProgressiveFullColour = new(true, [new(1, 1), new(1, 1), new(1, 1)]);

    /// <summary>
    /// Bytes of DCT coefficients for the whole image (64 16-bit values per 8x8 block, blocks padded to
    /// whole MCUs): what a progressive decoder must keep until the last scan.
    /// </summary>
    public long CoefficientBytes(int width, int height)
    {
        var hMax = Components.Max(c => c.Horizontal);
        var vMax = Components.Max(c => c.Vertical);
        long mcusX = (width + (8 * hMax) - 1) / (8 * hMax);
        long mcusY = (height + (8 * vMax) - 1) / (8 * vMax);
        return Components.Sum(c => mcusX * c.Horizontal * mcusY * c.Vertical) * 128;
    }

    /// <summary>Bytes of DCT coefficients for one row of MCUs: what a baseline decoder keeps.</summary>
    public long McuRowCoefficientBytes(int width)
    {
        var hMax = Components.Max(c => c.Horizontal);
        long mcusX = (width + (8 * hMax) - 1) / (8 * hMax);
        return Components.Sum(c => mcusX * c.Horizontal * c.Vertical) * 128;
    }

    /// <summary>Pixel rows one MCU row covers.</summary>
    public int McuHeight => 8 * Components.Max(c => c.Vertical);
}

/// <summary>One JPEG component's horizontal and vertical sampling factors.</summary>
public sealed record JpegComponent(int Horizontal, int Vertical);
