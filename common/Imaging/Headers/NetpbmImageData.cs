using System.Globalization;
using System.Text;

namespace ImageGateway.Common.Imaging.Headers;

/// <summary>
/// Rewrites a Netpbm image that ImageSharp 2.1.13 would miscount (<see cref="NetpbmFacts.Rewrite"/>)
/// into a canonical binary PGM, <c>P5 W H 255</c>, with 255 where every sample of the source pixel
/// equals maxval (a PBM bit is 0) and 0 elsewhere: the white count is the reference count by
/// construction, and ImageSharp reads that form exactly. Pure span code over the body, one pass.
/// </summary>
/// <remarks>
/// Plain rasters are read as Pillow 9.4 reads them (<c>PpmPlainDecoder</c>): comments run from '#'
/// to CR or LF and are cut out, joining what stands around them; whitespace (space, TAB, LF, VT,
/// FF, CR) separates samples; P1 digits need no separators. Refused as Pillow refuses them: a
/// raster with fewer samples than the image (a truncated body), a sample over maxval, a token that
/// is not a decimal number of at most 10 digits. Binary samples over maxval are refused too (netpbm
/// refuses them; Pillow clamps them to white).
/// </remarks>
public static class NetpbmImageData
{
    /// <summary>The most bytes the canonical header takes: "P5\n" + two 10-digit numbers + "\n255\n".</summary>
    public const int CanonicalHeaderBytes = 32;

    /// <summary>The body to decode: <paramref name="body"/> itself or its canonical rewrite, or a refusal.</summary>
    public static PreparedImage Prepare(ReadOnlyMemory<byte> body, NetpbmFacts facts)
    {
        ArgumentNullException.ThrowIfNull(facts);
        if (facts.Rewrite == NetpbmRewrite.None)
        {
            return PreparedImage.Decode(body);
        }

        var header = Encoding.ASCII.GetBytes(string.Create(CultureInfo.InvariantCulture, $"P5\n{facts.Width} {facts.Height}\n255\n"));
        var output = new byte[header.Length + facts.Pixels];
        header.CopyTo(output, 0);
        var pixels = output.AsSpan(header.Length);
        var raster = body.Span[facts.RasterOffset..];
        var refusal = facts.Plain ? Plain(raster, facts, pixels) : Binary(raster, facts, pixels);
        return refusal is null ? PreparedImage.Decode(output) : PreparedImage.Corrupt(refusal);
    }

    private static string? Binary(ReadOnlySpan<byte> raster, NetpbmFacts facts, Span<byte> pixels)
    {
        if (facts.Kind == 4)
        {
            var stride = (facts.Width + 7) / 8;
            for (var y = 0; y < facts.Height; y++)
            {
                var row = raster.Slice(y * stride, stride);
                var output = pixels.Slice(y * facts.Width, facts.Width);
                for (var x = 0; x < facts.Width; x++)
                {
                    output[x] = (row[x >> 3] & (0x80 >> (x & 7))) == 0 ? byte.MaxValue : (byte)0;
                }
            }

            return null;
        }

        var channels = facts.Channels;
        var bytes = facts.BytesPerSample;
        var max = facts.MaxValue;
        for (long i = 0; i < facts.Pixels; i++)
        {
            var white = true;
            for (var c = 0; c < channels; c++)
            {
                var at = (int)(((i * channels) + c) * bytes);
                var sample = bytes == 1 ? raster[at] : (raster[at] << 8) | raster[at + 1];
                if (sample > max)
                {
                    return $"The Netpbm raster has sample {sample} at pixel {i}, over its maxval {max}.";
                }

                white &= sample == max;
            }

            pixels[(int)i] = white ? byte.MaxValue : (byte)0;
        }

        return null;
    }

    private static string? Plain(ReadOnlySpan<byte> raster, NetpbmFacts facts, Span<byte> pixels)
    {
        var channels = facts.Channels;
        var needed = facts.Pixels * channels;
        long samples = 0;
        var pixelWhite = true;
        Span<byte> token = stackalloc byte[11];
        var tokenLength = 0;
        var pos = 0;
        while (samples < needed)
        {
            var end = pos >= raster.Length;
            var b = end ? (byte)' ' : raster[pos++];
            if (!end && b == '#')
            {
                // Cut the comment and its CR or LF out; the text around it joins.
                while (pos < raster.Length && raster[pos] is not (0x0A or 0x0D))
                {
                    pos++;
                }

                pos++;
                continue;
            }

            var separator = b is 0x20 or 0x09 or 0x0A or 0x0B or 0x0C or 0x0D;
            if (facts.Kind == 1 && !separator)
            {
                if (b is not ((byte)'0' or (byte)'1'))
                {
                    return $"The plain PBM raster has byte 0x{b:X2}; only 0, 1, whitespace and comments belong there.";
                }

                pixels[(int)samples] = b == '0' ? byte.MaxValue : (byte)0;
                samples++;
                continue;
            }

            if (!separator)
            {
                if (tokenLength == token.Length - 1 || b is < (byte)'0' or > (byte)'9')
                {
                    return $"The plain Netpbm raster has a token that is not a decimal number of at most 10 digits near byte {facts.RasterOffset + pos}.";
                }

                token[tokenLength++] = b;
            }
            else if (tokenLength > 0)
            {
                var value = 0L;
                foreach (var digit in token[..tokenLength])
                {
                    value = (value * 10) + (digit - '0');
                }

                tokenLength = 0;
                if (value > facts.MaxValue)
                {
                    return $"The plain Netpbm raster has sample {value}, over its maxval {facts.MaxValue}.";
                }

                pixelWhite &= value == facts.MaxValue;
                samples++;
                if (samples % channels == 0)
                {
                    pixels[(int)((samples / channels) - 1)] = pixelWhite ? byte.MaxValue : (byte)0;
                    pixelWhite = true;
                }
            }

            if (end)
            {
                break;
            }
        }

        return samples < needed
            ? $"The plain Netpbm image is truncated: its {facts.Width}x{facts.Height} raster needs {needed} samples, the body has {samples}."
            : null;
    }
}
