using ImageGateway.Common.Imaging;
using ImageGateway.Common.Problems;
using ImageGateway.Gateway.Inspection;
using ImageGateway.TestSupport;
using Microsoft.Extensions.Options;

namespace ImageGateway.Gateway.Tests.Inspection;

/// <summary>Each limit of the inspector crossed by one, from hand-built headers.</summary>
public sealed class UploadInspectorTests
{
    private static readonly InspectionOptions Limits = new() { MaxWidth = 1000, MaxHeight = 800, MaxPixels = 500_000, PeekBytes = 4096, MaxBodyBytes = 1 << 20 };
    private readonly UploadInspector _inspector = new(Options.Create(Limits));

    [Theory]
    [InlineData(1000, 500, null)]
    [InlineData(1001, 10, "image-too-large")]
    [InlineData(10, 801, "image-too-large")]
    [InlineData(625, 800, null)]
    [InlineData(626, 800, "image-too-large")]
    [InlineData(0, 10, "corrupt-image")]
    public void Inspect_PngOfSize_DecidesAgainstTheLimits(int width, int height, string? problem)
    {
        var verdict = _inspector.Inspect(CraftedImages.Png(width, height, rows: 1), complete: true, bodyLength: null);

        Assert.Equal(problem, verdict.Problem?.Type.Split(':').Last());
        if (problem == "image-too-large")
        {
            Assert.Contains($"{width}x{height}", verdict.Detail, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void Inspect_GifWhoseFirstFrameIsOverTheLimit_IsRefusedThoughItsScreenIsSmall()
    {
        var gif = CraftedImages.Gif(10, 10);
        // Bytes 24-25 are the first image descriptor's width (little-endian): 0x10FF = 4351 pixels.
        gif[24] = 0xFF;
        gif[25] = 0x10;

        var verdict = _inspector.Inspect(gif, complete: true, bodyLength: null);

        Assert.Equal(ProblemTypes.ImageTooLarge, verdict.Problem);
        Assert.Contains("first frame", verdict.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public void Inspect_PrefixShorterThanDetectionNeeds_AsksForMore_ButTheSameBytesAsAWholeBodyAreJudged()
    {
        var png = CraftedImages.Png(10, 10);

        Assert.True(_inspector.Inspect(png.AsSpan(0, 10), complete: false, bodyLength: null).IsNeedMoreData);
        Assert.Equal(ProblemTypes.CorruptImage, _inspector.Inspect(png.AsSpan(0, 10), complete: true, bodyLength: null).Problem);
    }

    [Fact]
    public void Inspect_JpegWithoutSofInAFullWindow_IsHeaderNotFound()
    {
        var jpeg = CraftedImages.JpegHeader(10, 10, appBytes: 8000);

        var verdict = _inspector.Inspect(jpeg.AsSpan(0, Limits.PeekBytes), complete: false, bodyLength: jpeg.Length);

        Assert.Equal(ProblemTypes.HeaderNotFound, verdict.Problem);
    }

    [Fact]
    public void Inspect_BmpShorterThanItsPixelsBySizeOfBody_IsCorrupt()
    {
        var bmp = File.ReadAllBytes(CorpusManifest.Get("bmpsuite/g/pal8.bmp").FullPath);

        var whole = _inspector.Inspect(bmp.AsSpan(0, 200), complete: false, bodyLength: bmp.Length);
        var truncated = _inspector.Inspect(bmp.AsSpan(0, 200), complete: false, bodyLength: bmp.Length - 1);

        Assert.True(whole.IsAccepted);
        Assert.Equal(ProblemTypes.CorruptImage, truncated.Problem);
    }

    [Fact]
    public void Inspect_Empty_IsEmptyBody() =>
        Assert.Equal(ProblemTypes.EmptyBody, _inspector.Inspect([], complete: true, bodyLength: 0).Problem);

    /// <summary>
    /// The gateway weighs an upload from its peek exactly as the backend will from the whole body,
    /// so the gateway's budget per backend holds what a backend admits, no more and no less.
    /// </summary>
    [Theory]
    [InlineData(GeneratedKind.PngRgb)]
    [InlineData(GeneratedKind.JpegBaseline420)]
    [InlineData(GeneratedKind.JpegProgressive)]
    [InlineData(GeneratedKind.WebpLossy)]
    [InlineData(GeneratedKind.Gif)]
    [InlineData(GeneratedKind.Bmp8)]
    public void Inspect_WeighsTheUploadFromItsPeekAsTheBackendDoesFromTheWholeBody(GeneratedKind kind)
    {
        var (body, _) = GeneratedImages.Create(kind, 1200, 900);
        var inspector = new UploadInspector(Options.Create(new InspectionOptions()));
        var prefix = body.AsSpan(0, Math.Min(body.Length, new InspectionOptions().PeekBytes));

        var verdict = inspector.Inspect(prefix, complete: prefix.Length == body.Length, body.Length);

        Assert.True(verdict.IsAccepted, verdict.Detail);
        var backendView = DecodeCostFacts.FromHeader(verdict.Header!.Format, 1200, 900, body.Length, body);
        Assert.Equal(backendView, verdict.Cost! with { Jpeg = backendView.Jpeg }); // the frame is compared below: its list compares by reference
        Assert.Equal(backendView.Jpeg?.Progressive, verdict.Cost!.Jpeg?.Progressive);
        Assert.Equal(backendView.Jpeg?.Components ?? [], verdict.Cost!.Jpeg?.Components ?? []);
        Assert.Equal(DecodeCostEstimator.Estimate(backendView), DecodeCostEstimator.Estimate(verdict.Cost!));
    }

    [Fact]
    public void Inspect_JpegWhoseFrameHeaderSitsBehindLargeAppSegments_IsWeighedByItsFrame()
    {
        var baseline = CraftedImages.JpegHeader(2000, 1500, appBytes: 200 * 1024);
        var inspector = new UploadInspector(Options.Create(new InspectionOptions()));

        var verdict = inspector.Inspect(baseline, complete: false, bodyLength: 3_000_000);

        Assert.True(verdict.IsAccepted, verdict.Detail);
        Assert.False(verdict.Cost!.Jpeg!.Progressive);
        // A baseline 4:2:0 frame costs far less than the dearest (progressive 4:4:4) the gateway would otherwise assume.
        var assumedDearest = verdict.Cost with { Jpeg = null };
        Assert.True(DecodeCostEstimator.Estimate(verdict.Cost) * 3 < DecodeCostEstimator.Estimate(assumedDearest));
    }
}
