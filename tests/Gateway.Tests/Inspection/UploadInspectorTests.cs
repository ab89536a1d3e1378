using ImageGateway.Common.Imaging;
using ImageGateway.Common.Imaging.Headers;
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

    /// <summary>
    /// ImageSharp 2.1.13 decodes onto the logical screen, so a frame larger than it is no pixel
    /// flood (it allocates one row of the frame); it is refused because Pillow would grow the image
    /// to hold it and count other pixels.
    /// </summary>
    [Fact]
    public void Inspect_GifWhoseFirstFrameIsLargerThanItsScreen_IsCorrupt()
    {
        var gif = CraftedImages.Gif(10, 10);
        // Bytes 24-25 are the first image descriptor's width (little-endian): 0x10FF = 4351 pixels.
        gif[24] = 0xFF;
        gif[25] = 0x10;

        var verdict = _inspector.Inspect(gif, complete: true, bodyLength: null);

        Assert.Equal(ProblemTypes.CorruptImage, verdict.Problem);
        Assert.Contains("logical screen", verdict.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public void Inspect_PrefixShorterThanDetectionNeeds_AsksForMore_ButTheSameBytesAsAWholeBodyAreJudged()
    {
        var png = CraftedImages.Png(10, 10);

        Assert.Equal(HeaderOutcome.NeedMoreData, _inspector.Inspect(png.AsSpan(0, 10), complete: false, bodyLength: null).Outcome);
        Assert.Equal(ProblemTypes.CorruptImage, _inspector.Inspect(png.AsSpan(0, 10), complete: true, bodyLength: null).Problem);
    }

    /// <summary>
    /// A whole body whose header is not finished in it: 422 corrupt-image, the answer the backend
    /// gives the same body, not a wait for bytes that will never come.
    /// </summary>
    [Fact]
    public void Inspect_WholeBodyEndingWithinItsHeader_Is422AsTheBackendSays()
    {
        var jpeg = CraftedImages.JpegHeader(10, 10, appBytes: 8000).AsSpan(0, 2000);

        var verdict = _inspector.Inspect(jpeg, complete: true, bodyLength: 2000);
        var backend = ImageHeaders.Read(jpeg, complete: true, 2000, UploadLimits.Default);

        Assert.Equal(ProblemTypes.CorruptImage, verdict.Problem);
        Assert.Equal((backend.Problem, backend.Detail), (verdict.Problem, verdict.Detail));
    }

    /// <summary>
    /// The gateway reads its peek as a prefix even when it holds the whole body: the checks of image
    /// data (here a BMP palette index beyond its table) are made by the backend, on every body it decodes.
    /// </summary>
    [Fact]
    public void Inspect_WholeBodyWhoseImageDataIsBroken_IsAccepted_AndTheBackendRefusesIt()
    {
        var bmp = CraftedBmp.Build(new BmpSpec(8, 4, 8) { Palette = CraftedBmp.DefaultPalette(16), Pixel = (x, y) => x == 5 && y == 2 ? 255u : 1u }).Bytes;

        var verdict = _inspector.Inspect(bmp, complete: true, bodyLength: bmp.Length);
        var backend = ImageHeaders.Read(bmp, complete: true, bmp.Length, UploadLimits.Default);

        Assert.Equal(HeaderOutcome.Accepted, verdict.Outcome);
        Assert.Equal(ProblemTypes.CorruptImage, backend.Problem);
        Assert.Contains("palette index 255", backend.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public void Inspect_JpegWithoutSofInAFullWindow_IsHeaderNotFound()
    {
        var jpeg = CraftedImages.JpegHeader(10, 10, appBytes: 8000);

        var verdict = _inspector.Inspect(jpeg.AsSpan(0, Limits.PeekBytes), complete: false, bodyLength: jpeg.Length);

        Assert.Equal(ProblemTypes.HeaderNotFound, verdict.Problem);
    }

    /// <summary>
    /// g/pal8.bmp is 127x64 at 8 bits: rows of 128 bytes, the last padded by one. Both decoders read
    /// a body without the last row's padding; one byte fewer cuts into its pixels.
    /// </summary>
    [Fact]
    public void Inspect_BmpShorterThanItsPixelsBySizeOfBody_IsCorrupt()
    {
        var bmp = File.ReadAllBytes(CorpusManifest.Get("bmpsuite/g/pal8.bmp").FullPath);

        var whole = _inspector.Inspect(bmp.AsSpan(0, 200), complete: false, bodyLength: bmp.Length);
        var withoutPadding = _inspector.Inspect(bmp.AsSpan(0, 200), complete: false, bodyLength: bmp.Length - 1);
        var truncated = _inspector.Inspect(bmp.AsSpan(0, 200), complete: false, bodyLength: bmp.Length - 2);

        Assert.Equal(HeaderOutcome.Accepted, whole.Outcome);
        Assert.Equal(HeaderOutcome.Accepted, withoutPadding.Outcome);
        Assert.Equal(ProblemTypes.CorruptImage, truncated.Problem);
        Assert.Contains("truncated", truncated.Detail, StringComparison.Ordinal);
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
        var backend = ImageHeaders.Read(body, complete: true, body.Length, UploadLimits.Default);

        Assert.Equal(HeaderOutcome.Accepted, verdict.Outcome);
        Assert.Equal(HeaderOutcome.Accepted, backend.Outcome);
        Assert.Equal((backend.Facts!.Width, backend.Facts.Height, backend.Facts.Depth, backend.Facts.GetType()), (verdict.Facts!.Width, verdict.Facts.Height, verdict.Facts.Depth, verdict.Facts.GetType()));
        Assert.Equal(
            DecodeCostEstimator.Estimate(backend.Facts, body.Length),
            DecodeCostEstimator.Estimate(verdict.Facts, inspector.EncodedBytes(prefix.Length, prefix.Length == body.Length, body.Length)));
    }

    /// <summary>
    /// A baseline 4:2:0 JPEG whose frame and first scan sit behind 192 KiB of APP1 segments: the
    /// peek finds its first scan holds every component, so it is weighed as a baseline decode (one
    /// MCU row of coefficients), far below the dearest (every coefficient of a 4:4:4 frame kept).
    /// </summary>
    [Fact]
    public void Inspect_JpegWhoseFrameHeaderSitsBehindLargeAppSegments_IsWeighedByItsFrame()
    {
        var (clean, _) = CraftedJpeg.Build(new JpegSpec(2000, 1500) { Components = [new(1, 2, 2), new(2, 1, 1), new(3, 1, 1)] });
        var app = new byte[2 + 65535];
        app[0] = 0xFF;
        app[1] = 0xE1;
        app[2] = 0xFF;
        app[3] = 0xFF;
        var jfifEnd = 2 + CraftedJpeg.JfifSegment.Length;
        byte[] body = [.. clean[..jfifEnd], .. app, .. app, .. app, .. clean[jfifEnd..]];
        var inspector = new UploadInspector(Options.Create(new InspectionOptions()));
        var prefix = body.AsSpan(0, Math.Min(body.Length, new InspectionOptions().PeekBytes));

        var verdict = inspector.Inspect(prefix, complete: prefix.Length == body.Length, body.Length);

        Assert.Equal(HeaderOutcome.Accepted, verdict.Outcome);
        var jpeg = Assert.IsType<JpegFacts>(verdict.Facts);
        Assert.Equal((2000, 1500, false, false), (jpeg.Width, jpeg.Height, jpeg.Progressive, jpeg.KeepsAllCoefficients));
        var dearest = jpeg with { Progressive = true, KeepsAllCoefficients = true, Sampling = JpegSampling.FromFrameHeaderBytes([0x11, 0x11, 0x11]) };
        Assert.True(DecodeCostEstimator.Estimate(jpeg, body.Length) * 3 < DecodeCostEstimator.Estimate(dearest, body.Length));
    }
}
