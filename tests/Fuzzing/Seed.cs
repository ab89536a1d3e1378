using ImageGateway.Common.Imaging;
using ImageGateway.TestSupport;

namespace ImageGateway.Fuzzing;

/// <summary>
/// A corpus file the mutator starts from.
/// </summary>
/// <param name="Name">Its path in <c>tests/corpus</c>.</param>
/// <param name="Format">Short format name, from the file's extension.</param>
/// <param name="Bytes">Its content.</param>
/// <param name="PillowIsReference">
/// The manifest says Pillow's count of this file is the right one (the strict decoder's, where it
/// has one; not a known deviation or a file broken by design): mutants of it are compared with
/// Pillow. Decided from the manifest alone, never from the product's answer.
/// </param>
internal sealed record Seed(string Name, string Format, byte[] Bytes, bool PillowIsReference)
{
    /// <summary>Seeds up to this size: the mutants of larger files cost decode time and find nothing more.</summary>
    public const int MaxSeedBytes = 128 * 1024;

    /// <summary>The corpus files in accepted formats up to <see cref="MaxSeedBytes"/>, in path order (the order a seed's index refers to).</summary>
    public static IReadOnlyList<Seed> LoadCorpus()
    {
        var seeds = new List<Seed>();
        foreach (var image in CorpusManifest.All.OrderBy(i => i.Path, StringComparer.Ordinal))
        {
            var format = FormatOf(image.Extension);
            if (format is null || new FileInfo(image.FullPath).Length > MaxSeedBytes)
            {
                continue;
            }

            var reference = CorpusExpectations.IsCountable(image) && image.PillowWhite is { } pillow && pillow == image.ExpectedWhite;
            seeds.Add(new Seed(image.Path, format, File.ReadAllBytes(image.FullPath), reference));
        }

        return seeds;
    }

    /// <summary>The seed named <paramref name="name"/> (a corpus path), for replaying a regression input.</summary>
    public static Seed? Find(string name) => LoadCorpus().FirstOrDefault(s => s.Name == name);

    private static string? FormatOf(string extension) => extension switch
    {
        "png" => "png",
        "jpg" or "jpeg" => "jpeg",
        "gif" => "gif",
        "bmp" => "bmp",
        "webp" => "webp",
        "pbm" or "pgm" or "ppm" => "pbm",
        _ => null,
    } is { } name && SafeImageConfiguration.AcceptedFormats.Contains(name) ? name : null;
}
