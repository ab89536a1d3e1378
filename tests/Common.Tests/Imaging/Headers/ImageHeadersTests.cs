using ImageGateway.Common.Imaging;
using ImageGateway.Common.Imaging.Headers;
using ImageGateway.Common.Problems;
using ImageGateway.TestSupport;

namespace ImageGateway.Common.Tests.Imaging.Headers;

/// <summary>The dispatcher: format detection, the dimension limits crossed by one, and the corpus.</summary>
public sealed class ImageHeadersTests
{
    private const int PeekWindow = 512 * 1024;
    private static readonly UploadLimits Limits = new(1 << 20, MaxWidth: 1000, MaxHeight: 800, MaxPixels: 500_000);

    [Theory]
    [InlineData(1000, 500, null)]
    [InlineData(1001, 10, "image-too-large")]
    [InlineData(10, 801, "image-too-large")]
    [InlineData(625, 800, null)]
    [InlineData(626, 800, "image-too-large")]
    public void Read_PngOfSize_DecidesAgainstTheLimits(int width, int height, string? problem)
    {
        var png = CraftedImages.Png(width, height, rows: 1);

        var read = ImageHeaders.Read(png, complete: true, png.Length, Limits);

        Assert.Equal(problem, read.Problem?.Type.Split(':').Last());
        if (problem is not null)
        {
            Assert.Contains($"{width}x{height}", read.Detail, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void Read_HeaderOverTheLimitsInATruncatedBody_IsTooLargeRatherThanCorrupt()
    {
        var png = CraftedImages.Png(20_000, 20_000, rows: 1, withEnd: false);

        Assert.Equal(ProblemTypes.ImageTooLarge, ImageHeaders.Read(png, complete: true, png.Length, UploadLimits.Default).Problem);
    }

    [Theory]
    [InlineData(new byte[0], "empty-body")]
    [InlineData(new byte[] { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31, 32, 33 }, "not-an-image")]
    [InlineData(new byte[] { 0x49, 0x49, 0x2A, 0x00, 8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0 }, "unsupported-format")]
    public void Read_BodyThatIsNoAcceptedImage_IsRefusedWithItsType(byte[] body, string problem) =>
        Assert.Equal(problem, ImageHeaders.Read(body, complete: true, body.Length, UploadLimits.Default).Problem?.Type.Split(':').Last());

    [Fact]
    public void Read_PrefixShorterThanDetectionNeeds_AsksForMore_ButTheSameBytesAsAWholeBodyAreJudged()
    {
        var (png, _) = CraftedPng.Image(10, 10, (_, _) => true);

        Assert.Equal(HeaderOutcome.NeedMoreData, ImageHeaders.Read(png.AsSpan(0, 10), complete: false, null, UploadLimits.Default).Outcome);
        Assert.Equal(ProblemTypes.CorruptImage, ImageHeaders.Read(png.AsSpan(0, 10), complete: true, 10, UploadLimits.Default).Problem);
    }

    public static TheoryData<string> SizedCorpusImages() => new(CorpusManifest.Paths(i => i.Width is not null && CorpusExpectations.IsAccepted(i)));

    /// <summary>
    /// Every accepted corpus image the reference decoders sized: refused with a reason, or facts equal
    /// to the manifest's size; and every countable one accepted. The gateway reads its 512 KiB peek
    /// as a prefix (<c>complete: false</c>, as <c>UploadInspector</c> does): it accepts whatever the
    /// backend accepts, with the same size and decode cost, and what it refuses the backend refuses
    /// alike; the checks of image data (made only on the whole body) are the backend's alone.
    /// </summary>
    [Theory]
    [MemberData(nameof(SizedCorpusImages))]
    public void Read_CorpusImage_GivesTheManifestSize_AndTheGatewaySeesWhatTheBackendSees(string path)
    {
        var image = CorpusManifest.Get(path);
        var body = File.ReadAllBytes(image.FullPath);

        var backend = ImageHeaders.Read(body, complete: true, body.Length, UploadLimits.Default);
        var gateway = ImageHeaders.Read(body.AsSpan(0, Math.Min(body.Length, PeekWindow)), complete: false, body.Length, UploadLimits.Default);

        if (CorpusExpectations.IsCountable(image))
        {
            Assert.True(backend.Outcome == HeaderOutcome.Accepted, $"{path}: {backend.Detail}");
        }

        if (backend.Outcome == HeaderOutcome.Accepted)
        {
            Assert.Equal((image.Width, image.Height), ((int?)backend.Facts!.Width, (int?)backend.Facts.Height));
            Assert.True(gateway.Outcome == HeaderOutcome.Accepted, $"{path}: the gateway says {gateway.Outcome} {gateway.Detail}");
            Assert.Equal((backend.Facts.GetType(), backend.Facts.Width, backend.Facts.Height, backend.Facts.Depth), (gateway.Facts!.GetType(), gateway.Facts.Width, gateway.Facts.Height, gateway.Facts.Depth));
            Assert.Equal(DecodeCostEstimator.Estimate(backend.Facts, body.Length), DecodeCostEstimator.Estimate(gateway.Facts, body.Length));
        }
        else if (gateway.Outcome == HeaderOutcome.Refused)
        {
            Assert.Equal(backend.Problem, gateway.Problem);
        }
    }
}
