namespace ImageGateway.Common.Imaging.Headers;

/// <summary>
/// Checks the first frame's LZW data before ImageSharp 2.1.13 decodes it, for what the header cannot
/// show: palette indices beyond the colour table (or index 255 without any table) (ImageSharp clamps them to the last entry, or makes
/// them transparent; Pillow maps index i beyond its palette to gray (i,i,i); libgif leaves them to the
/// caller) and data that ends before the frame is full (ImageSharp fills the rest with index 0,
/// Pillow refuses the file as truncated). Both are refused. Work is linear in the data: each code
/// updates the length, first index and largest index of its string in O(1), no pixel is produced.
/// </summary>
public static class GifImageData
{
    private const int MaxCodes = 4096;

    /// <summary>The body, unchanged, or a refusal found in the first frame's image data.</summary>
    public static PreparedImage Prepare(ReadOnlyMemory<byte> body, GifFacts facts)
    {
        ArgumentNullException.ThrowIfNull(facts);
        var refusal = Check(body.Span, facts);
        return refusal is null ? PreparedImage.Decode(body) : PreparedImage.Corrupt(refusal);
    }

    /// <summary>Why the first frame's LZW data cannot be counted as the reference decoders count it, or null.</summary>
    public static string? Check(ReadOnlySpan<byte> body, GifFacts facts)
    {
        ArgumentNullException.ThrowIfNull(facts);
        var needed = (long)facts.Frame.Width * facts.Frame.Height;
        var clear = 1 << facts.MinCodeSize;
        var endCode = clear + 1;
        Span<int> length = stackalloc int[MaxCodes];
        Span<byte> first = stackalloc byte[MaxCodes];
        Span<byte> largest = stackalloc byte[MaxCodes];
        for (var i = 0; i < clear; i++)
        {
            length[i] = 1;
            first[i] = (byte)i;
            largest[i] = (byte)i;
        }

        var codeSize = facts.MinCodeSize + 1;
        var available = clear + 2;
        var previous = -1;
        long produced = 0;
        var maxIndex = 0;
        int bits = 0, buffer = 0;
        var pos = facts.ImageDataOffset;
        var blockLeft = 0;
        while (produced < needed)
        {
            // Gather enough bits for a code from the sub-blocks.
            while (bits < codeSize)
            {
                if (blockLeft == 0)
                {
                    if (pos >= body.Length || body[pos] == 0)
                    {
                        return Short(produced, facts);
                    }

                    blockLeft = body[pos++];
                }

                if (pos >= body.Length)
                {
                    return Short(produced, facts);
                }

                buffer |= body[pos++] << bits;
                bits += 8;
                blockLeft--;
            }

            var code = buffer & ((1 << codeSize) - 1);
            buffer >>= codeSize;
            bits -= codeSize;
            if (code == clear)
            {
                codeSize = facts.MinCodeSize + 1;
                available = clear + 2;
                previous = -1;
                continue;
            }

            if (code == endCode)
            {
                return Short(produced, facts);
            }

            if (code > available || (previous < 0 && code >= clear))
            {
                return $"The GIF's first frame has an invalid LZW code {code} after {produced} pixels.";
            }

            int stringLength, stringLargest;
            byte stringFirst;
            if (code == available)
            {
                // The string being defined: the previous one and its own first index.
                stringLength = length[previous] + 1;
                stringFirst = first[previous];
                stringLargest = Math.Max(largest[previous], first[previous]);
            }
            else
            {
                stringLength = length[code];
                stringFirst = first[code];
                stringLargest = largest[code];
            }

            maxIndex = Math.Max(maxIndex, stringLargest);
            produced += stringLength;
            if (previous >= 0 && available < MaxCodes)
            {
                length[available] = length[previous] + 1;
                first[available] = first[previous];
                largest[available] = (byte)Math.Max(largest[previous], stringFirst);
                available++;
                if (available == 1 << codeSize && codeSize < 12)
                {
                    codeSize++;
                }
            }

            previous = code;
        }

        if (facts.ColorTableEntries == 0)
        {
            // No table: ImageSharp draws nothing, Pillow shows each index as that gray level, so
            // only an opaque index 255 tells them apart.
            return maxIndex == byte.MaxValue && facts.TransparentIndex != byte.MaxValue
                ? "The GIF's first frame has no colour table and uses index 255: ImageSharp draws nothing there, Pillow draws white."
                : null;
        }

        return maxIndex >= facts.ColorTableEntries
            ? $"The GIF's first frame uses palette index {maxIndex}, beyond its {facts.ColorTableEntries}-entry colour table: decoders disagree on that colour (ImageSharp takes the last entry, Pillow a gray)."
            : null;
    }

    private static string Short(long produced, GifFacts facts) =>
        $"The GIF's first frame is truncated: its image data ends after {produced} of its {(long)facts.Frame.Width * facts.Frame.Height} pixels.";
}
