namespace ImageGateway.Common.Imaging.Headers;

/// <summary>
/// The Netpbm header model (P1-P6): reads the header tokens the way ImageSharp 2.1.13's
/// <c>PbmDecoderCore</c> does and refuses where that differs from the reference decoders (Pillow,
/// netpbm), then says whether the image must be rewritten before ImageSharp decodes it.
/// </summary>
/// <remarks>
/// ImageSharp's header reading (<c>BufferedReadStreamExtensions</c>): whitespace is only TAB, LF,
/// CR and space; a comment runs from '#' to the next LF only; a number ends at any non-digit byte,
/// which it consumes; it does not check for overflow; after the last number it skips all whitespace
/// and comments, so a binary raster that starts with one of those bytes loses them. Pillow and
/// netpbm also take VT and FF as whitespace, end comments at CR or LF, need whitespace after the
/// magic number, and start the raster right after the one whitespace byte that ends the header.
/// Refused here: VT/FF, a comment whose CR is followed by more than whitespace before its LF, '#'
/// right after a digit (a comment inside a number), no whitespace after the magic number, numbers of
/// more than 9 digits, zero sides, maxval outside 1..65535, a binary raster shorter than declared.
/// Rewritten before decoding (<see cref="NetpbmImageData"/>): plain rasters, maxvals other than 255
/// and 65535 (ImageSharp tests samples against 255 before scaling them: a sample equal to maxval is
/// never white), binary rasters that start with whitespace or '#'.
/// </remarks>
internal static class NetpbmHeader
{
    /// <summary>Digits of the largest number read: 9 keeps every value below 2^31 (ImageSharp's int would wrap at 10).</summary>
    private const int MaxDigits = 9;

    /// <inheritdoc cref="ImageHeaders.Read"/>
    public static HeaderRead Read(ReadOnlySpan<byte> data, bool complete, long? bodyLength)
    {
        if (data.Length < 3)
        {
            return Short(data, complete);
        }

        var kind = data[1] - '0';
        if (data[0] != 'P' || kind is < 1 or > 6)
        {
            return HeaderRead.Corrupt("The Netpbm magic number is not P1 to P6.");
        }

        if (!IsWhitespace(data[2]))
        {
            return HeaderRead.Corrupt($"The Netpbm magic number P{kind} is not followed by whitespace.");
        }

        var pos = 2;
        Span<int> values = stackalloc int[3];
        var fields = kind is 1 or 4 ? 2 : 3;
        for (var field = 0; field < fields; field++)
        {
            var skipped = SkipSeparators(data, ref pos);
            if (skipped is not null)
            {
                return skipped.Value.Outcome == HeaderOutcome.NeedMoreData ? Short(data, complete) : skipped.Value;
            }

            var start = pos;
            var value = 0;
            while (pos < data.Length && data[pos] is >= (byte)'0' and <= (byte)'9')
            {
                if (pos - start == MaxDigits)
                {
                    return HeaderRead.Corrupt($"The Netpbm header has a number of more than {MaxDigits} digits.");
                }

                value = (value * 10) + (data[pos] - '0');
                pos++;
            }

            if (pos == data.Length)
            {
                return Short(data, complete);
            }

            if (pos == start)
            {
                return HeaderRead.Corrupt($"The Netpbm header has byte 0x{data[pos]:X2} at {pos} where a number belongs.");
            }

            var end = data[pos];
            if (end == '#')
            {
                return HeaderRead.Corrupt("The Netpbm header has a comment right after a number's digits: ImageSharp ends the number there and reads the comment as the next one, Pillow skips it.");
            }

            if (!IsWhitespace(end))
            {
                return HeaderRead.Corrupt($"The Netpbm header has byte 0x{end:X2} right after a number at {pos}; numbers end with whitespace.");
            }

            values[field] = value;
            pos++; // the terminator, which ImageSharp consumes with the number
        }

        var (width, height) = (values[0], values[1]);
        var maxValue = fields == 3 ? values[2] : 1;
        if (width == 0 || height == 0)
        {
            return HeaderRead.Corrupt($"The Netpbm header declares {width}x{height} pixels; both sides must be positive.");
        }

        if (maxValue is < 1 or > 65535)
        {
            return HeaderRead.Corrupt($"The Netpbm header declares maxval {maxValue}; it must be 1 to 65535.");
        }

        var rasterOffset = pos;
        var rewrite = kind <= 3 ? NetpbmRewrite.Plain
            : kind != 4 && maxValue is not (255 or 65535) ? NetpbmRewrite.Maxval
            : NetpbmRewrite.None;
        if (kind >= 4)
        {
            if (rasterOffset >= data.Length)
            {
                return Short(data, complete);
            }

            if (rewrite == NetpbmRewrite.None && (IsWhitespace(data[rasterOffset]) || data[rasterOffset] == '#'))
            {
                rewrite = NetpbmRewrite.RasterStart;
            }
        }

        var facts = new NetpbmFacts(width, height, kind, maxValue, rasterOffset, rewrite);
        long total = complete ? data.Length : bodyLength ?? long.MaxValue;
        if (kind >= 4 && rasterOffset + facts.BinaryRasterBytes > total)
        {
            return HeaderRead.Corrupt($"The Netpbm image is truncated: its {width}x{height} raster needs {rasterOffset + facts.BinaryRasterBytes} bytes, the body has {total}.");
        }

        return HeaderRead.Accept(facts);
    }

    /// <summary>ImageSharp's whitespace, which Pillow's includes.</summary>
    internal static bool IsWhitespace(byte b) => b is 0x09 or 0x0A or 0x0D or 0x20;

    /// <summary>
    /// Skips whitespace and comments before a header number; null when a number should follow, else
    /// the refusal or NeedMoreData.
    /// </summary>
    private static HeaderRead? SkipSeparators(ReadOnlySpan<byte> data, ref int pos)
    {
        while (pos < data.Length)
        {
            var b = data[pos];
            if (IsWhitespace(b))
            {
                pos++;
            }
            else if (b is 0x0B or 0x0C)
            {
                return HeaderRead.Corrupt("The Netpbm header has a vertical tab or form feed: Pillow takes it as whitespace, ImageSharp as a number.");
            }
            else if (b == '#')
            {
                // ImageSharp's comment runs to LF; Pillow's to CR or LF. They agree when nothing but
                // whitespace stands between a CR and the LF.
                var sawCr = false;
                pos++;
                while (true)
                {
                    if (pos >= data.Length)
                    {
                        return HeaderRead.NeedMoreData;
                    }

                    var c = data[pos++];
                    if (c == 0x0A)
                    {
                        break;
                    }

                    if (c == 0x0D)
                    {
                        sawCr = true;
                    }
                    else if (sawCr && c is not (0x09 or 0x0B or 0x0C or 0x20))
                    {
                        return HeaderRead.Corrupt("The Netpbm header has a comment ended by CR and followed by more text before a LF: Pillow ends the comment at the CR, ImageSharp at the LF.");
                    }
                }
            }
            else
            {
                return null;
            }
        }

        return HeaderRead.NeedMoreData;
    }

    private static HeaderRead Short(ReadOnlySpan<byte> data, bool complete) => complete
        ? HeaderRead.Corrupt($"The Netpbm image ends after {data.Length} bytes, inside its header.")
        : HeaderRead.NeedMoreData;
}
