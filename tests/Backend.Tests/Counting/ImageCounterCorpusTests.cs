using ImageGateway.Backend.Counting;
using ImageGateway.Common.Imaging;
using ImageGateway.Common.Imaging.Headers;
using ImageGateway.TestSupport;
using Microsoft.Extensions.Options;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.Advanced;
using SixLabors.ImageSharp.Memory;
using SixLabors.ImageSharp.PixelFormats;

namespace ImageGateway.Backend.Tests.Counting;

/// <summary>
/// Every corpus image against the independent reference counts (tests/corpus/manifest.tsv).
/// </summary>
public sealed class ImageCounterCorpusTests
{
    private static readonly ImageCounter Counter = new(Options.Create(new CountingOptions()), new SimpleGcMemoryAllocator());

    public static TheoryData<string> AcceptedImages() => Rows(CorpusExpectations.IsCountable);

    public static TheoryData<string> RejectedImages() => Rows(CorpusExpectations.MustBeRejected);

    public static TheoryData<string> MalformedImages() => Rows(CorpusExpectations.IsMalformedByDesign);

    public static TheoryData<string> DeviatingImages() => Rows(i => CorpusExpectations.KnownDeviations.ContainsKey(i.Path));

    [Theory]
    [MemberData(nameof(AcceptedImages))]
    public void Count_CorpusImage_MatchesReferenceCount(string path)
    {
        var image = CorpusManifest.Get(path);
        var result = Counter.Count(File.ReadAllBytes(image.FullPath));

        Assert.Equal(image.Width, result.Width);
        Assert.Equal(image.Height, result.Height);
        CorpusExpectations.AssertCount(image, result.WhitePixelCount);
    }

    /// <summary>
    /// The one-byte mask loses nothing: for every countable image (JPEGs included, whose white is the
    /// decoder's rounding), the count equals decoding the full pixels into the reference type with the
    /// same decoders and testing each pixel channel by channel. Both decode the body the backend
    /// prepared (<see cref="ImageHeaders.Prepare"/>: normalised where ImageSharp would misread it).
    /// </summary>
    [Theory]
    [MemberData(nameof(AcceptedImages))]
    public void Count_CorpusImage_EqualsDecodingFullPixelsAndCountingEachChannel(string path)
    {
        var bytes = File.ReadAllBytes(CorpusManifest.Get(path).FullPath);
        var facts = Counter.Identify(bytes);
        var prepared = ImageHeaders.Prepare(bytes, facts).Body.ToArray();
        var configuration = SafeImageConfiguration.Create(new SimpleGcMemoryAllocator());

        long expected = 0;
        if (facts.Depth == SampleDepth.Bits16)
        {
            using var image = Image.Load<Rgba64>(configuration, prepared);
            image.ProcessPixelRows(rows => expected = CountRows(rows, p => p.R == ushort.MaxValue && p.G == ushort.MaxValue && p.B == ushort.MaxValue && p.A == ushort.MaxValue));
        }
        else
        {
            using var image = Image.Load<Rgba32>(configuration, prepared);
            image.ProcessPixelRows(rows => expected = CountRows(rows, p => p.R == 255 && p.G == 255 && p.B == 255 && p.A == 255));
        }

        Assert.Equal(expected, Counter.Count(bytes, facts).WhitePixelCount);
    }

    [Theory]
    [MemberData(nameof(RejectedImages))]
    public void Count_CorruptOrUnacceptedCorpusImage_IsRejectedWithClientError(string path)
    {
        var image = CorpusManifest.Get(path);

        var ex = Assert.Throws<ImageRejectedException>(() => Counter.Count(File.ReadAllBytes(image.FullPath)));
        Assert.InRange(ex.Problem.Status, 400, 499);
    }

    [Theory]
    [MemberData(nameof(MalformedImages))]
    public void Count_MalformedByDesignImage_IsRejectedOrCountedRight(string path)
    {
        var image = CorpusManifest.Get(path);
        try
        {
            var result = Counter.Count(File.ReadAllBytes(image.FullPath));
            CorpusExpectations.AssertCount(image, result.WhitePixelCount);
        }
        catch (ImageRejectedException ex)
        {
            Assert.InRange(ex.Problem.Status, 400, 499);
        }
    }

    [Theory]
    [MemberData(nameof(DeviatingImages))]
    public void Count_KnownDeviation_GetsADefiniteAnswer(string path)
    {
        var image = CorpusManifest.Get(path);
        try
        {
            var result = Counter.Count(File.ReadAllBytes(image.FullPath));
            Assert.InRange(result.WhitePixelCount, 0, (long)result.Width * result.Height);
        }
        catch (ImageRejectedException ex)
        {
            Assert.InRange(ex.Problem.Status, 400, 499);
        }
    }

    private static long CountRows<TPixel>(PixelAccessor<TPixel> rows, Func<TPixel, bool> isWhite)
        where TPixel : unmanaged, IPixel<TPixel>
    {
        long white = 0;
        for (var y = 0; y < rows.Height; y++)
        {
            foreach (var pixel in rows.GetRowSpan(y))
            {
                white += isWhite(pixel) ? 1 : 0;
            }
        }

        return white;
    }

    private static TheoryData<string> Rows(Func<CorpusImage, bool> predicate) => new(CorpusManifest.Paths(predicate));
}
