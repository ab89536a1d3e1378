namespace ImageGateway.Common.Imaging.Headers;

/// <summary>
/// Rewrites a JPEG so that ImageSharp 2.1.13 reads the same segments libjpeg does: drops the bytes
/// libjpeg skips between segments (<see cref="JpegFacts.StrayBytes"/>: stray bytes, fill bytes,
/// FF 00 pairs, restart markers and DNL segments outside scans) and everything after the end-of-image
/// marker. Entropy-coded data and every other segment are copied unchanged. The backend applies it to
/// the whole body before decoding, when <see cref="JpegFacts.NeedsNormalising"/>.
/// </summary>
public static class JpegNormaliser
{
    /// <summary>
    /// Returns <paramref name="body"/> itself when nothing needs dropping, else a new copy without the
    /// stray bytes (its length is the body's minus <see cref="JpegFacts.StrayBytes"/> and any bytes
    /// after EOI; <see cref="JpegFacts.DecoderBytes"/> counts the copy).
    /// </summary>
    /// <param name="body">The whole body the facts were read from (with <c>complete: true</c>).</param>
    /// <param name="facts">The facts <see cref="JpegHeader"/> accepted for it.</param>
    /// <exception cref="ArgumentException">The body does not give the facts it was read with.</exception>
    public static ReadOnlyMemory<byte> Normalise(ReadOnlyMemory<byte> body, JpegFacts facts)
    {
        ArgumentNullException.ThrowIfNull(facts);
        if (!facts.NeedsNormalising)
        {
            return body;
        }

        var output = new byte[body.Length];
        var walk = new JpegWalk(body.Span, complete: true, body.Length, output);
        var read = walk.Run();
        if (read.Facts is not JpegFacts again || again != facts)
        {
            throw new ArgumentException("The body is not the JPEG these facts were read from.", nameof(body));
        }

        return output.AsMemory(0, walk.Written);
    }
}
