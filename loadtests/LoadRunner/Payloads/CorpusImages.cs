using ImageGateway.TestSupport;

namespace ImageGateway.LoadRunner.Payloads;

/// <summary>
/// Ordinary images from the reference corpus (<c>tests/corpus/manifest.tsv</c>, read by TestSupport's
/// <see cref="CorpusManifest"/>), with counts from the independent decoders recorded there. Only
/// unambiguous rows are used: readable, not malformed by design, at least 8x8, and Pillow and
/// ImageMagick agree (or, for lossy JPEG, Pillow's count with docs/load-testing.md's tolerance,
/// <see cref="CorpusExpectations.LossyTolerance"/>).
/// </summary>
public static class CorpusImages
{
    /// <summary>Smaller images are test oddities (PngSuite's 1x1..4x4 interlace cases), not ordinary uploads.</summary>
    private const int MinSide = 8;

    private static readonly HashSet<string> Lossless = ["png", "gif", "bmp", "ppm", "pgm", "pbm"];

    /// <summary>Words in a manifest note that mark a file as malformed, questionable or ambiguous on purpose.</summary>
    private static readonly string[] Suspect = ["by design", "questionable", "crasher", "rejected", "animated", "arithmetic", "frames"];

    public static IReadOnlyList<Payload> Load(string corpusDirectory, int maxBytes = 4 * 1024 * 1024)
    {
        var manifest = Path.Combine(corpusDirectory, "manifest.tsv");
        if (!File.Exists(manifest))
        {
            throw new FileNotFoundException($"--corpus: {manifest} does not exist.", manifest);
        }

        var payloads = new List<Payload>();
        foreach (var image in CorpusManifest.Read(corpusDirectory))
        {
            // Ordinary-looking files ImageSharp 2.1 cannot read are documented as refused
            // (CorpusExpectations.KnownRejections, docs/testing.md): not ordinary uploads.
            var path = Path.Combine(corpusDirectory, image.Path);
            if (!image.Decodable || image.Note.Length == 0 || Suspect.Any(s => image.Note.Contains(s, StringComparison.OrdinalIgnoreCase))
                || image.Frames != 1 || image.PillowWhite is not { } pillow || image.Width is not >= MinSide || image.Height is not >= MinSide
                || CorpusExpectations.KnownRejections.ContainsKey(image.Path) || !File.Exists(path) || new FileInfo(path).Length > maxBytes
                || Path.GetFileName(image.Path).StartsWith('x'))
            {
                continue;
            }

            Expectation? expectation = null;
            if (Lossless.Contains(image.Extension) && image.MagickWhite == pillow && image.ExpectedWhite == pillow)
            {
                expectation = Expectation.Counted(pillow);
            }
            else if (image.Extension is "jpg" or "jpeg")
            {
                expectation = Expectation.Counted(pillow, CorpusExpectations.LossyTolerance(image));
            }

            if (expectation is not null)
            {
                payloads.Add(new Payload($"legit/corpus-{image.Extension}", image.Path, File.ReadAllBytes(path), "application/octet-stream", expectation));
            }
        }

        return payloads;
    }
}
