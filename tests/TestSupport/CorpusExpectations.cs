namespace ImageGateway.TestSupport;

/// <summary>
/// What the product must answer for each corpus image, decided from the independent reference
/// decoders in the manifest, never from the code under test. docs/testing.md ("The corpus")
/// documents the same rules.
/// </summary>
public static class CorpusExpectations
{
    /// <summary>Formats the product accepts, by file extension.</summary>
    private static readonly HashSet<string> AcceptedExtensions = ["png", "jpg", "jpeg", "gif", "bmp", "webp", "pbm", "pgm", "ppm"];

    /// <summary>
    /// Images a reference decoder reads but ImageSharp 2.1.13 cannot, or reads differently; each is
    /// answered with a definite 4xx (checked), never a 5xx or a hang. Listed with the reason.
    /// </summary>
    public static readonly IReadOnlyDictionary<string, string> KnownRejections = new Dictionary<string, string>
    {
        ["libjpeg-turbo/testimgari.jpg"] = "arithmetic-coded JPEG: ImageSharp 2.1 does not decode it (415 unsupported-format)",
        ["libjpeg-turbo/monkey12.jpg"] = "12-bit JPEG: neither reference decoder reads it, ImageSharp rounds it to 8 bits (415 unsupported-format)",
        ["pillow/iss634.webp"] = "animated WebP: ImageSharp 2.1 does not decode it (415 unsupported-format)",
        ["pngsuite/oi9n0g16.png"] = "16-bit PNG with 1-byte IDAT chunks: ImageSharp 2.1 fails (index out of range)",
        ["pngsuite/oi9n2c16.png"] = "16-bit PNG with 1-byte IDAT chunks: ImageSharp 2.1 fails (index out of range)",
        ["pngsuite/s01i3p01.png"] = "interlaced PNG under 5x5: refused, the 2.1 decoder never returns",
        ["pngsuite/s02i3p01.png"] = "interlaced PNG under 5x5: refused, the 2.1 decoder never returns",
        ["pngsuite/s03i3p01.png"] = "interlaced PNG under 5x5: refused, the 2.1 decoder never returns",
        ["pngsuite/s04i3p01.png"] = "interlaced PNG under 5x5: refused, the 2.1 decoder never returns",
        ["libpng/testpngs/crashers/badcrc.png"] = "CRC error in a critical chunk: refused (Pillow ignores the CRC)",
        ["libpng/testpngs/crashers/huge_IDAT.png"] = "malformed IDAT: refused",
        ["bmpsuite/q/rgb24jpeg.bmp"] = "BMP with embedded JPEG: not accepted",
        ["bmpsuite/q/rgb24png.bmp"] = "BMP with embedded PNG: not accepted",
        ["bmpsuite/q/pal2.bmp"] = "2-bit palette BMP: neither reference decoder reads it (415 unsupported-format)",
        ["bmpsuite/q/pal8oversizepal.bmp"] = "palette larger than 8 bits can index: neither reference decoder reads it (422 corrupt-image)",
        ["bmpsuite/q/rgba32abf.bmp"] = "BI_ALPHABITFIELDS: neither reference decoder reads it (415 unsupported-format)",
        ["bmpsuite/q/rgb32-111110.bmp"] = "32-bit BMP with 11-11-10 channel masks: Pillow does not read them (415 unsupported-format); ImageMagick and ImageSharp disagree",
        ["bmpsuite/g/rgb32bf.bmp"] = "32-bit BMP with unusual channel masks: Pillow does not read them (415 unsupported-format)",
        ["bmpsuite/q/rgb16-231.bmp"] = "16-bit BMP with 2-3-1 channel masks: Pillow does not read them (415 unsupported-format)",
        ["bmpsuite/q/rgba16-4444.bmp"] = "16-bit BMP with 4-4-4-4 channel masks: Pillow does not read them (415 unsupported-format)",
        ["bmpsuite/q/rgba32.bmp"] = "32-bit BMP with alpha in the second byte: Pillow does not read its channel masks (415 unsupported-format)",
        ["bmpsuite/q/pal8os2v2-16.bmp"] = "16-byte OS/2 info header: Pillow does not read it (415 unsupported-format)",
        ["bmpsuite/q/rgb32h52.bmp"] = "52-byte info header: Pillow does not read it (415 unsupported-format)",
        ["bmpsuite/q/rgba32h56.bmp"] = "56-byte info header: Pillow does not read it (415 unsupported-format)",
        ["bmpsuite/g/pal4rle.bmp"] = "RLE4 with odd absolute runs: Pillow 9.4 reads them one pixel short (481 white, ImageMagick 999), so the decoders disagree (422 corrupt-image)",
        ["bmpsuite/q/pal4rletrns.bmp"] = "RLE4 with odd absolute runs: Pillow 9.4 reads them one pixel short (13 white, ImageMagick 583), so the decoders disagree (422 corrupt-image)",
        ["bmpsuite/q/pal8rletrns.bmp"] = "RLE8 with delta (skip) commands: Pillow 9.4 misplaces the pixels (0 white, ImageMagick 69), so the decoders disagree (422 corrupt-image)",
        ["pillow/decompression_bomb.gif"] = "first frame lies outside its 32x32 screen: ImageSharp clips it, Pillow grows the image (refused by the header model)",
    };

    /// <summary>
    /// Images accepted with a count that differs from every reference decoder. Each is a documented
    /// decoder difference on an input that is malformed or ambiguous by design; the test checks the
    /// answer is a definite 200 or 4xx.
    /// </summary>
    public static readonly IReadOnlyDictionary<string, string> KnownDeviations = new Dictionary<string, string>
    {
        ["libpng/testpngs/crashers/badadler.png"] = "bad zlib Adler-32 (libpng crasher): ImageSharp does not verify it and decodes the 1x1 pixel",
    };

    /// <summary>Lossy formats: the count may differ from Pillow's by this much (docs/testing.md).</summary>
    public static long LossyTolerance(CorpusImage image) =>
        LossyTolerance((long)(image.Width ?? 0) * (image.Height ?? 0));

    /// <summary>
    /// How far two decoders' counts of a lossy image of <paramref name="pixels"/> may differ: max(16,
    /// pixels / 1000) (docs/testing.md, docs/load-testing.md); the one rule the tests, the fuzzer and
    /// the load runner apply.
    /// </summary>
    public static long LossyTolerance(long pixels) => Math.Max(16, pixels / 1000);

    /// <summary>The product accepts the format and a reference decoder produced a count.</summary>
    public static bool IsCountable(CorpusImage image) =>
        IsAccepted(image)
        && !KnownRejections.ContainsKey(image.Path)
        && !KnownDeviations.ContainsKey(image.Path)
        && !MustBeRejected(image)
        && !IsMalformedByDesign(image)
        && (image.ExpectedWhite is not null || image.MagickWhite is not null);

    /// <summary>
    /// Malformed on purpose but read by a reference decoder: the product may refuse it (4xx) or count
    /// it; if it counts, the count must be right.
    /// </summary>
    public static bool IsMalformedByDesign(CorpusImage image) =>
        IsAccepted(image)
        && !KnownRejections.ContainsKey(image.Path)
        && !KnownDeviations.ContainsKey(image.Path)
        && !MustBeRejected(image)
        && (image.CorruptByDesign || image.ExactRejected || image.Note.Contains("by design", StringComparison.Ordinal)
            || image.Path.Contains("/crashers/", StringComparison.Ordinal));

    /// <summary>
    /// The product must answer 4xx: an unaccepted format (TIFF), a file corrupt by design that no
    /// reference decoder reads, a PNG the strict decoder rejects, or a known rejection above.
    /// </summary>
    public static bool MustBeRejected(CorpusImage image) =>
        !KnownDeviations.ContainsKey(image.Path)
        && (!IsAccepted(image)
            || KnownRejections.ContainsKey(image.Path)
            || (image.ExactRejected && image.PillowWhite is null && image.MagickWhite is null)
            || (image.ExactRejected && image.Note.Contains("corrupt by design", StringComparison.Ordinal))
            || (image.CorruptByDesign && image.PillowWhite is null && image.MagickWhite is null));

    /// <summary>The status class a must-reject image gets: 415 for unaccepted formats, else 4xx.</summary>
    public static bool IsAccepted(CorpusImage image) => AcceptedExtensions.Contains(image.Extension);

    /// <summary>
    /// True when <paramref name="actual"/> is right for <paramref name="image"/>: the strict count where
    /// the manifest has one; for lossy formats within <see cref="LossyTolerance"/> of Pillow; else
    /// Pillow's or ImageMagick's count (they disagree only on ambiguous BMPs).
    /// </summary>
    public static bool CountIsRight(CorpusImage image, long actual, out string expected)
    {
        if (image.Note.Contains("exact_white=", StringComparison.Ordinal) || image.Note.Contains("exact16_white=", StringComparison.Ordinal))
        {
            expected = $"exactly {image.ExpectedWhite}";
            return actual == image.ExpectedWhite;
        }

        if (image.IsLossy && image.PillowWhite is { } pillow)
        {
            var tolerance = LossyTolerance(image);
            expected = $"{pillow} ± {tolerance} (lossy)";
            return Math.Abs(actual - pillow) <= tolerance;
        }

        expected = $"Pillow {image.PillowWhite?.ToString() ?? "n/a"} or ImageMagick {image.MagickWhite?.ToString() ?? "n/a"}";
        return actual == image.PillowWhite || actual == image.MagickWhite;
    }

    /// <summary>Asserts <see cref="CountIsRight"/> with a message that names the image and both counts.</summary>
    public static void AssertCount(CorpusImage image, long actual)
    {
        if (!CountIsRight(image, actual, out var expected))
        {
            throw new AssertionFailedException($"{image.Path}: counted {actual} white pixels, expected {expected}.");
        }
    }
}
