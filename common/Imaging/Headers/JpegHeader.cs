using System.Buffers.Binary;

namespace ImageGateway.Common.Imaging.Headers;

/// <summary>
/// TEMPORARY (headers-png): the pre-issue-10 JPEG walk (markers to the first SOFn, extraneous bytes
/// skipped; an EOI after the first scan when the body is complete) moved under the header-model
/// contract so the gateway and the backend use one reader. The headers-jpeg reader replaces this file.
/// </summary>
internal static class JpegHeader
{
    /// <inheritdoc cref="ImageHeaders.Read"/>
    public static HeaderRead Read(ReadOnlySpan<byte> data, bool complete, long? bodyLength)
    {
        var pos = 2;
        while (true)
        {
            while (pos < data.Length && data[pos] != 0xFF)
            {
                pos++;
            }

            while (pos < data.Length && data[pos] == 0xFF)
            {
                pos++; // fill bytes
            }

            if (pos >= data.Length)
            {
                return Short(data, complete);
            }

            var marker = data[pos++];
            if (marker is 0x00 or 0x01 or 0xD8 || marker is >= 0xD0 and <= 0xD7)
            {
                continue; // stuffed byte, TEM, SOI, RSTn: no length
            }

            if (marker == 0xD9)
            {
                return HeaderRead.Corrupt("The JPEG ends (EOI) before any frame header (SOF).");
            }

            if (marker == 0xDA)
            {
                return HeaderRead.Corrupt("The JPEG has scan data (SOS) before any frame header (SOF).");
            }

            if (pos + 2 > data.Length)
            {
                return Short(data, complete);
            }

            var length = BinaryPrimitives.ReadUInt16BigEndian(data[pos..]);
            if (length < 2)
            {
                return HeaderRead.Corrupt($"The JPEG has a segment (marker 0x{marker:X2}) of impossible length {length}.");
            }

            if (marker is >= 0xC0 and <= 0xCF and not (0xC4 or 0xC8 or 0xCC))
            {
                // Length (2), precision (1), height (2), width (2), components (1), 3 bytes each.
                if (pos + 8 > data.Length)
                {
                    return Short(data, complete);
                }

                var count = data[pos + 7];
                if (count == 0)
                {
                    return HeaderRead.Corrupt("The JPEG frame header declares no components.");
                }

                if (pos + 8 + (3 * count) > data.Length)
                {
                    return Short(data, complete);
                }

                var components = new JpegComponent[count];
                for (var c = 0; c < count; c++)
                {
                    var factors = data[pos + 8 + (3 * c) + 1];
                    components[c] = new JpegComponent(Math.Max(1, factors >> 4), Math.Max(1, factors & 0x0F));
                }

                var facts = new JpegFacts(
                    BinaryPrimitives.ReadUInt16BigEndian(data[(pos + 5)..]),
                    BinaryPrimitives.ReadUInt16BigEndian(data[(pos + 3)..]),
                    marker is 0xC2 or 0xC6 or 0xCA or 0xCE,
                    components);
                return complete && Truncated(data) is { } truncated ? HeaderRead.Corrupt(truncated) : HeaderRead.Accept(facts);
            }

            pos += length;
        }
    }

    /// <summary>An EOI marker after the first start-of-scan (inside entropy-coded data FF D9 can only be the end).</summary>
    private static string? Truncated(ReadOnlySpan<byte> body)
    {
        var offset = 2;
        while (offset + 4 <= body.Length)
        {
            if (body[offset] != 0xFF)
            {
                return null; // not a marker where one should be: the decoder judges malformed structure
            }

            var marker = body[offset + 1];
            if (marker == 0xFF)
            {
                offset++;
                continue;
            }

            if (marker is 0x01 or (>= 0xD0 and <= 0xD7))
            {
                offset += 2;
                continue;
            }

            if (marker == 0xDA)
            {
                return body.LastIndexOf([(byte)0xFF, (byte)0xD9]) > offset
                    ? null
                    : $"The JPEG is truncated: no end-of-image marker after its scan data ({body.Length} bytes).";
            }

            offset += 2 + BinaryPrimitives.ReadUInt16BigEndian(body[(offset + 2)..]);
        }

        return $"The JPEG is truncated: the body ends after {body.Length} bytes before any scan data.";
    }

    private static HeaderRead Short(ReadOnlySpan<byte> data, bool complete) => complete
        ? HeaderRead.Corrupt($"The JPEG ends after {data.Length} bytes, before its frame header is complete.")
        : HeaderRead.NeedMoreData;
}
