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

    /// <summary>
    /// Where ImageSharp 2.1.13 would find a frame with a local colour table after a first frame that
    /// has no colour table at all, or -1. ImageSharp returns from such a frame before reading its LZW
    /// data and does not count it as the first frame; it then skips "sub-blocks" from the LZW minimum
    /// code size byte (one byte out of step: that byte read as a length) and walks on as between
    /// blocks: a zero byte or 0x3B ends the image, 0x2C is read as an image descriptor (one with a
    /// local table becomes the frame it draws; one without skips again), anything else is skipped.
    /// Found by the differential fuzzer (tests/fuzz-regressions/gif-no-table-*). An extension (0x21)
    /// met on that walk is not modelled: then any later descriptor with a table counts.
    /// </summary>
    private static int FrameWithTableAfter(ReadOnlySpan<byte> body, int minCodeSizeAt)
    {
        var pos = SkipSubBlocks(body, minCodeSizeAt);
        while (pos < body.Length)
        {
            switch (body[pos])
            {
                case 0x00 or 0x3B:
                    return -1;
                case 0x2C when pos + 9 < body.Length && (body[pos + 9] & 0x80) != 0:
                    return pos;
                case 0x2C:
                    pos = SkipSubBlocks(body, pos + 10);
                    break;
                case 0x21:
                    for (var any = pos; any + 9 < body.Length; any++)
                    {
                        if (body[any] == 0x2C && (body[any + 9] & 0x80) != 0)
                        {
                            return any;
                        }
                    }

                    return -1;
                default:
                    pos++;
                    break;
            }
        }

        return -1;
    }

    /// <summary>ImageSharp's <c>SkipBlock</c>: lengths and their bytes until a zero length; the offset after it.</summary>
    private static int SkipSubBlocks(ReadOnlySpan<byte> body, int pos)
    {
        while (pos >= 0 && pos < body.Length && body[pos] != 0)
        {
            pos += 1 + body[pos];
        }

        return pos + 1;
    }

    /// <summary>Why the first frame's LZW data cannot be counted as the reference decoders count it, or null.</summary>
    public static string? Check(ReadOnlySpan<byte> body, GifFacts facts)
    {
        ArgumentNullException.ThrowIfNull(facts);
        if (facts.ColorTableEntries == 0 && FrameWithTableAfter(body, facts.ImageDataOffset - 1) is var hidden and >= 0)
        {
            return $"The GIF's first frame has no colour table: ImageSharp 2.1.13 does not read its image data but walks it as blocks, and the bytes at {hidden} read as a frame with a colour table, which it would draw instead.";
        }

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
