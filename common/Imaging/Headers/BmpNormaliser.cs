using System.Buffers.Binary;

namespace ImageGateway.Common.Imaging.Headers;

/// <summary>
/// Rewrites a valid BMP that ImageSharp 2.1.13 would misread so that it reads what Pillow reads:
/// writes the colour count into the info header where ImageSharp would derive the colour table's
/// entry size from the pixel offset (<see cref="BmpFacts.SetColorsUsed"/>), and sets the unused
/// fourth byte of 32-bit BI_RGB pixels to 255 (<see cref="BmpFacts.OpaqueFourthByte"/>). The backend
/// applies it to the whole body before decoding, when <see cref="BmpFacts.NeedsNormalising"/>.
/// </summary>
public static class BmpNormaliser
{
    /// <summary>Offset of the info header's colour count (biClrUsed) in the file.</summary>
    private const int ColorsUsedOffset = 14 + 32;

    /// <summary>
    /// Returns <paramref name="body"/> itself when nothing needs rewriting, else a rewritten copy of
    /// the same length (<see cref="BmpFacts.DecoderBytes"/> counts it).
    /// </summary>
    /// <param name="body">The whole body the facts were read from (with <c>complete: true</c>).</param>
    /// <param name="facts">The facts <see cref="BmpHeader"/> accepted for it.</param>
    /// <exception cref="ArgumentException">The body does not give the facts it was read with.</exception>
    public static ReadOnlyMemory<byte> Normalise(ReadOnlyMemory<byte> body, BmpFacts facts)
    {
        ArgumentNullException.ThrowIfNull(facts);
        if (!facts.NeedsNormalising)
        {
            return body;
        }

        if (BmpHeader.Read(body.Span, complete: true, body.Length).Facts is not BmpFacts again || again != facts)
        {
            throw new ArgumentException("The body is not the BMP these facts were read from.", nameof(body));
        }

        var copy = body.ToArray();
        if (facts.SetColorsUsed)
        {
            BinaryPrimitives.WriteUInt32LittleEndian(copy.AsSpan(ColorsUsedOffset), (uint)facts.PaletteEntries);
        }

        if (facts.OpaqueFourthByte)
        {
            var stride = (int)facts.Stride;
            for (var y = 0; y < facts.Height; y++)
            {
                var row = copy.AsSpan((int)facts.PixelOffset + (y * stride), facts.Width * 4);
                for (var x = 3; x < row.Length; x += 4)
                {
                    row[x] = 0xFF;
                }
            }
        }

        return copy;
    }
}
