using ImageGateway.Common.Imaging;
using ImageGateway.Gateway.Inspection;
using ImageGateway.TestSupport;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.Memory;

namespace ImageGateway.Gateway.Tests.Inspection;

/// <summary>
/// Why the gateway reads headers with <see cref="ImageHeaderReader"/> instead of ImageSharp 2.1.13's
/// <c>Image.Identify</c> over the peeked prefix: the facts below, pinned so a change of library
/// version that alters them is noticed.
/// </summary>
public sealed class IdentifyOnPrefixEvidenceTests
{
    private static readonly Configuration Accepted = SafeImageConfiguration.Create(MemoryAllocator.Default);

    [Fact]
    public void Identify_JpegPrefixEndingBeforeSof_Throws_AndAScanBeforeTheFrameThrowsNullReference()
    {
        var prefix = File.ReadAllBytes(CorpusManifest.Get("pillow/hopper.jpg").FullPath)[..64];
        byte[] corrupt = [0xFF, 0xD8, 0xFF, 0xDA, 0x00, 0x08, 1, 2, 3, 4, 5, 6, 0xFF, 0xD9];

        var truncated = Record.Exception(() => Identify(prefix));
        var broken = Record.Exception(() => Identify(corrupt));

        // "Read more" surfaces as an exception, and a scan before the frame header is a library
        // bug (NullReferenceException), so exceptions cannot drive the decision; the header reader
        // tells the two cases apart without throwing.
        Assert.IsType<InvalidImageContentException>(truncated);
        Assert.IsType<NullReferenceException>(broken);
        Assert.True(ImageHeaderReader.Read("jpeg", prefix).IsNeedMoreData);
        Assert.NotNull(ImageHeaderReader.Read("jpeg", corrupt).Invalid);
    }

    [Fact]
    public void Identify_GifWithHugeFirstFrame_ReportsOnlyTheSmallScreen()
    {
        var bomb = File.ReadAllBytes(CorpusManifest.Get("pillow/decompression_bomb.gif").FullPath);

        var info = Identify(bomb);

        // The decoder allocates the 65535x1321 first frame (manifest note); Identify shows 32x32.
        Assert.Equal((32, 32), (info.Width, info.Height));
        Assert.Equal(65535, ImageHeaderReader.Read("gif", bomb).Header!.FirstFrameWidth);
    }

    [Fact]
    public void Identify_BmpPrefixShorterThanItsPixelOffset_Throws()
    {
        var prefix = File.ReadAllBytes(CorpusManifest.Get("bmpsuite/g/pal8.bmp").FullPath)[..1024];

        Assert.IsType<InvalidImageContentException>(Record.Exception(() => Identify(prefix)));
        Assert.Equal(127, ImageHeaderReader.Read("bmp", prefix).Header!.Width);
    }

    private static IImageInfo Identify(byte[] bytes)
    {
        using var stream = new MemoryStream(bytes);
        return Image.Identify(Accepted, stream) ?? throw new InvalidOperationException("Identify returned null.");
    }
}
