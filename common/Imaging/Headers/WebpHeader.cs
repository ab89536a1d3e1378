using System.Buffers.Binary;

namespace ImageGateway.Common.Imaging.Headers;

/// <summary>
/// TEMPORARY (headers-png): the pre-issue-10 WebP reading (the first chunk: VP8X canvas, VP8L or VP8
/// frame; the RIFF size against the body when complete) moved under the header-model contract.
/// The headers-jpeg reader replaces this file.
/// </summary>
internal static class WebpHeader
{
    /// <inheritdoc cref="ImageHeaders.Read"/>
    public static HeaderRead Read(ReadOnlySpan<byte> data, bool complete, long? bodyLength)
    {
        // "RIFF" size "WEBP", then the first chunk's FourCC (12) and size (16); its data at 20.
        if (data.Length < 30)
        {
            return complete ? HeaderRead.Corrupt($"The WebP ends after {data.Length} bytes, inside its headers.") : HeaderRead.NeedMoreData;
        }

        long total = complete ? data.Length : bodyLength ?? long.MaxValue;
        var riffEnd = 8L + BinaryPrimitives.ReadUInt32LittleEndian(data[4..]);
        if (riffEnd > total)
        {
            return HeaderRead.Corrupt($"The WebP is truncated: its RIFF header says {riffEnd} bytes, the body has {total}.");
        }

        var chunk = data.Slice(12, 4);
        if (chunk.SequenceEqual("VP8X"u8))
        {
            // Flags (1), reserved (3), canvas width - 1 (24-bit), canvas height - 1 (24-bit).
            return HeaderRead.Accept(new WebpFacts(ReadUInt24(data[24..]) + 1, ReadUInt24(data[27..]) + 1, (data[20] & 0x10) != 0));
        }

        if (chunk.SequenceEqual("VP8L"u8))
        {
            if (data[20] != 0x2F)
            {
                return HeaderRead.Corrupt("The lossless WebP bitstream has no 0x2F signature.");
            }

            var bits = BinaryPrimitives.ReadUInt32LittleEndian(data[21..]);
            return HeaderRead.Accept(new WebpFacts((int)(bits & 0x3FFF) + 1, (int)((bits >> 14) & 0x3FFF) + 1, false));
        }

        if (chunk.SequenceEqual("VP8 "u8))
        {
            // Frame tag (3), start code 9D 01 2A, then 14-bit width and height.
            if (data[23] != 0x9D || data[24] != 0x01 || data[25] != 0x2A)
            {
                return HeaderRead.Corrupt("The lossy WebP key frame has no start code.");
            }

            return HeaderRead.Accept(new WebpFacts(
                BinaryPrimitives.ReadUInt16LittleEndian(data[26..]) & 0x3FFF,
                BinaryPrimitives.ReadUInt16LittleEndian(data[28..]) & 0x3FFF,
                false));
        }

        return HeaderRead.Corrupt("The WebP's first chunk is none of VP8, VP8L or VP8X.");
    }

    private static int ReadUInt24(ReadOnlySpan<byte> data) => data[0] | (data[1] << 8) | (data[2] << 16);
}
