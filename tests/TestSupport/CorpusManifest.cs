using System.Globalization;
using System.Text.RegularExpressions;

namespace ImageGateway.TestSupport;

/// <summary>
/// One row of <c>tests/corpus/manifest.tsv</c>: a public test image and the white-pixel counts that
/// independent decoders (Pillow, ImageMagick, the manifest script's strict PNG/PNM decoder) found.
/// </summary>
public sealed partial record CorpusImage(
    string Path,
    string Format,
    int? Width,
    int? Height,
    long? PillowWhite,
    long? MagickWhite,
    bool Decodable,
    string Note,
    int? Frames = null)
{
    /// <summary>Absolute path of the file.</summary>
    public string FullPath => System.IO.Path.Combine(RepoPaths.Corpus, Path);

    /// <summary>The lower-case file extension without the dot.</summary>
    public string Extension => System.IO.Path.GetExtension(Path).TrimStart('.').ToLowerInvariant();

    /// <summary>
    /// The reference count: the strict decoder's <c>exact_white</c> / <c>exact16_white</c> where the
    /// note has one (Pillow is wrong on 16-bit and low-bit tRNS images), else Pillow's.
    /// </summary>
    public long? ExpectedWhite
    {
        get
        {
            var match = ExactPattern().Match(Note);
            return match.Success ? long.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture) : PillowWhite;
        }
    }

    /// <summary>The strict decoder rejected the file (bad signature, CRC, IHDR, zlib...).</summary>
    public bool ExactRejected => Note.Contains("exact: rejected", StringComparison.Ordinal);

    /// <summary>The suite documents the file as corrupt on purpose.</summary>
    public bool CorruptByDesign => Note.Contains("corrupt by design", StringComparison.Ordinal);

    /// <summary>Lossy formats, whose decoders may round differently by a few pixels.</summary>
    public bool IsLossy => Format.StartsWith("JPEG", StringComparison.Ordinal) || Extension is "jpg" or "jpeg"
        || (Extension == "webp" && !Note.Contains("lossless", StringComparison.OrdinalIgnoreCase));

    public override string ToString() => Path;

    [GeneratedRegex(@"exact(?:16)?_white=(\d+)")]
    private static partial Regex ExactPattern();
}

/// <summary>Reads the corpus manifest (the tests' and the load runner's one reader of it).</summary>
public static class CorpusManifest
{
    private static readonly Lazy<IReadOnlyList<CorpusImage>> LazyAll = new(() => Read(RepoPaths.Corpus));

    /// <summary>Every row of the repository's corpus (<see cref="RepoPaths.Corpus"/>).</summary>
    public static IReadOnlyList<CorpusImage> All => LazyAll.Value;

    /// <summary>The paths of the rows that match <paramref name="predicate"/>: a corpus theory's data.</summary>
    public static IEnumerable<string> Paths(Func<CorpusImage, bool> predicate) => All.Where(predicate).Select(i => i.Path);

    public static CorpusImage Get(string path) =>
        All.SingleOrDefault(i => i.Path == path) ?? throw new ArgumentException($"{path} is not in the manifest.", nameof(path));

    /// <summary>Every row of <c>manifest.tsv</c> in <paramref name="corpusDirectory"/>; paths are relative to it.</summary>
    public static IReadOnlyList<CorpusImage> Read(string corpusDirectory)
    {
        var lines = File.ReadAllLines(System.IO.Path.Combine(corpusDirectory, "manifest.tsv"));
        var images = new List<CorpusImage>();
        foreach (var line in lines.Skip(1))
        {
            if (string.IsNullOrWhiteSpace(line))
            {
                continue;
            }

            var f = line.Split('\t');
            images.Add(new CorpusImage(
                Path: f[0],
                Format: f[1],
                Width: ParseInt(f[2]),
                Height: ParseInt(f[3]),
                PillowWhite: ParseLong(f[5]),
                MagickWhite: ParseLong(f[6]),
                Decodable: f[7] == "yes",
                Note: f.Length > 8 ? f[8] : string.Empty,
                Frames: ParseInt(f[4])));
        }

        return images;
    }

    private static int? ParseInt(string s) => int.TryParse(s, CultureInfo.InvariantCulture, out var v) ? v : null;

    private static long? ParseLong(string s) => long.TryParse(s, CultureInfo.InvariantCulture, out var v) ? v : null;
}
