using ImageGateway.Backend.Counting;
using ImageGateway.Common.Imaging;
using ImageGateway.Common.Problems;
using ImageGateway.TestSupport;
using Microsoft.Extensions.Options;

namespace ImageGateway.Backend.Tests.Counting;

/// <summary>The header facts read beside ImageSharp's Identify, and the limits they enforce.</summary>
public sealed class FormatHeadersTests
{
    private static readonly ImageCounter Counter = new(Options.Create(new CountingOptions()), new GcImageAllocator(long.MaxValue));

    [Theory]
    [InlineData(1)]
    [InlineData(3)]
    public void ReadJpegFrame_ProgressiveJpeg_IsProgressiveWithItsComponents(int components)
    {
        var (bytes, _) = ProgressiveJpeg.Create(100, 60, components, (_, _) => true);

        var frame = FormatHeaders.ReadJpegFrame(bytes);

        Assert.NotNull(frame);
        Assert.True(frame.Progressive);
        Assert.Equal(components, frame.Components.Count);
        // 13 x 8 blocks of 8x8 per component, 64 coefficients of 2 bytes each.
        Assert.Equal(13L * 8 * components * 128, frame.CoefficientBytes(100, 60));
    }

    [Fact]
    public void ReadJpegFrame_BaselineHeader_IsNotProgressive()
    {
        var frame = FormatHeaders.ReadJpegFrame(CraftedImages.JpegHeader(640, 480, appBytes: 70_000));

        Assert.NotNull(frame);
        Assert.False(frame.Progressive);
        Assert.Equal(3, frame.Components.Count);
        Assert.Equal(16, frame.McuHeight); // the first component is sampled 2x2
    }

    [Fact]
    public void Count_GifWhoseFirstFrameIsAPixelFloodBehindATinyScreen_Returns422()
    {
        // Logical screen 10x10, first image descriptor 20000x20000: the decoder sizes its index
        // buffer by the frame, so the frame is held to the limits too.
        byte[] gif =
        [
            (byte)'G', (byte)'I', (byte)'F', (byte)'8', (byte)'9', (byte)'a', 10, 0, 10, 0, 0x80, 0, 0,
            0, 0, 0, 0xFF, 0xFF, 0xFF,
            0x21, 0xF9, 0x04, 0x00, 0x00, 0x00, 0x00, 0x00, // a graphic control extension first
            0x2C, 0, 0, 0, 0, 0x20, 0x4E, 0x20, 0x4E, 0x00,
            0x02, 0x02, 0x44, 0x01, 0x00, 0x3B,
        ];

        var ex = Assert.Throws<ImageRejectedException>(() => Counter.Count(gif));

        Assert.Equal(ProblemTypes.ImageTooLarge, ex.Problem);
        Assert.Contains("20000x20000", ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(GeneratedKind.PngRgb)]
    [InlineData(GeneratedKind.PngRgba)]
    [InlineData(GeneratedKind.PngGray)]
    [InlineData(GeneratedKind.PngPalette)]
    [InlineData(GeneratedKind.JpegBaseline420)]
    [InlineData(GeneratedKind.Gif)]
    [InlineData(GeneratedKind.WebpLossless)]
    [InlineData(GeneratedKind.Bmp24)]
    public void Identify_EightBitSamples_GetTheEightBitWhiteTest(GeneratedKind kind) =>
        Assert.Equal(DecodePixel.Mask8, Counter.Identify(GeneratedImages.Create(kind, 40, 30).Bytes).Pixel);

    [Theory]
    [InlineData("pngsuite/basn2c16.png", DecodePixel.Mask16)] // 16-bit RGB
    [InlineData("pngsuite/basn0g16.png", DecodePixel.Mask16)] // 16-bit gray
    [InlineData("pngsuite/tbrn2c08.png", DecodePixel.Mask8)] // 8-bit RGB with tRNS
    public void Identify_SampleDepth_ChoosesTheWhiteTest(string corpusImage, DecodePixel expected) =>
        Assert.Equal(expected, Counter.Identify(File.ReadAllBytes(CorpusManifest.Get(corpusImage).FullPath)).Pixel);

    [Fact]
    public void Identify_SixteenBitPng_GetsTheSixteenBitWhiteTest() =>
        Assert.Equal(DecodePixel.Mask16, Counter.Identify(GeneratedImages.Create(GeneratedKind.Png16, 40, 30).Bytes).Pixel);
}
