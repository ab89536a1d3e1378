using System.Globalization;
using System.Text.RegularExpressions;

namespace ImageGateway.LoadRunner.Payloads;

/// <summary>
/// Ordinary images from the reference corpus (<c>tests/corpus/manifest.tsv</c>), with counts from the
/// independent decoders recorded there. Only unambiguous rows are used: readable, not malformed by
/// design, at least 8x8, and Pillow and ImageMagick agree (or, for lossy JPEG, Pillow's count with docs/load-testing.md's
/// tolerance of max(16, pixels/1000)).
/// </summary>
public static partial class CorpusImages
{
    /// <summary>Smaller images are test oddities (PngSuite's 1x1..4x4 interlace cases), not ordinary uploads.</summary>
    private const int MinSide = 8;

    private static readonly HashSet<string> Lossless = ["png", "gif", "bmp", "ppm", "pgm", "pbm"];

    /// <summary>Words in a manifest note that mark a file as malformed, questionable or ambiguous on purpose.</summary>
    private static readonly string[] Suspect = ["by design", "questionable", "crasher", "rejected", "animated", "arithmetic", "frames"];

    /// <summary>
    /// Ordinary-looking files ImageSharp 2.1 cannot read, which the product documents as refused
    /// (<c>tests/TestSupport/CorpusExpectations.KnownRejections</c>, docs/testing.md).
    /// </summary>
    private static readonly HashSet<string> KnownRejections = ["pngsuite/oi9n2c16.png"];

    public static IReadOnlyList<Payload> Load(string corpusDirectory, int maxBytes = 4 * 1024 * 1024)
    {
        var manifest = Path.Combine(corpusDirectory, "manifest.tsv");
        if (!File.Exists(manifest))
        {
            throw new FileNotFoundException($"--corpus: {manifest} does not exist.", manifest);
        }

        var payloads = new List<Payload>();
        foreach (var line in File.ReadLines(manifest).Skip(1))
        {
            var f = line.Split('\t');
            if (f.Length < 9 || f[7] != "yes" || Suspect.Any(s => f[8].Contains(s, StringComparison.OrdinalIgnoreCase))
                || !int.TryParse(f[4], CultureInfo.InvariantCulture, out var frames) || frames != 1
                || !long.TryParse(f[5], CultureInfo.InvariantCulture, out var pillow)
                || !int.TryParse(f[2], CultureInfo.InvariantCulture, out var width) || width < MinSide
                || !int.TryParse(f[3], CultureInfo.InvariantCulture, out var height) || height < MinSide)
            {
                continue;
            }

            var path = Path.Combine(corpusDirectory, f[0]);
            var extension = Path.GetExtension(f[0]).TrimStart('.').ToLowerInvariant();
            if (KnownRejections.Contains(f[0]) || !File.Exists(path) || new FileInfo(path).Length > maxBytes || Path.GetFileName(f[0]).StartsWith('x'))
            {
                continue;
            }

            Expectation? expectation = null;
            if (Lossless.Contains(extension) && long.TryParse(f[6], CultureInfo.InvariantCulture, out var magick) && magick == pillow
                && ExactPattern().Match(f[8]) is var exact && (!exact.Success || exact.Groups[1].Value == f[5]))
            {
                expectation = Expectation.Counted(pillow);
            }
            else if (extension is "jpg" or "jpeg")
            {
                expectation = Expectation.Counted(pillow, Math.Max(16, (long)width * height / 1000));
            }

            if (expectation is not null)
            {
                payloads.Add(new Payload($"legit/corpus-{extension}", f[0], File.ReadAllBytes(path), "application/octet-stream", expectation));
            }
        }

        return payloads;
    }

    [GeneratedRegex(@"exact(?:16)?_white=(\d+)")]
    private static partial Regex ExactPattern();
}
