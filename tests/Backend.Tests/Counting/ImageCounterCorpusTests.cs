using ImageGateway.Backend.Counting;
using ImageGateway.TestSupport;
using Microsoft.Extensions.Options;
using SixLabors.ImageSharp.Memory;

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

    private static TheoryData<string> Rows(Func<CorpusImage, bool> predicate)
    {
        var data = new TheoryData<string>();
        foreach (var image in CorpusManifest.All.Where(predicate))
        {
            data.Add(image.Path);
        }

        return data;
    }
}
