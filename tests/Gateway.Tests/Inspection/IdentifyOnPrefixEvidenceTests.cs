using ImageGateway.Common.Imaging;
using ImageGateway.Common.Imaging.Headers;
using ImageGateway.TestSupport;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.Memory;

namespace ImageGateway.Gateway.Tests.Inspection;

/// <summary>
/// Why the gateway and the backend read headers with the header model (<see cref="ImageHeaders"/>)
/// instead of ImageSharp 2.1.13's <c>Image.Identify</c>: the facts below, pinned so a change of
/// library version that alters them is noticed.
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
        Assert.Equal(HeaderOutcome.NeedMoreData, ImageHeaders.Read(prefix, complete: false, bodyLength: null, UploadLimits.Default).Outcome);
        Assert.Equal(HeaderOutcome.Refused, ImageHeaders.Read(corrupt, complete: true, corrupt.Length, UploadLimits.Default).Outcome);
    }

    [Fact]
    public void Identify_GifWhoseFirstFrameLiesOutsideItsScreen_ReportsTheScreen_WhichTheHeaderModelRefuses()
    {
        var bomb = File.ReadAllBytes(CorpusManifest.Get("pillow/decompression_bomb.gif").FullPath);

        var info = Identify(bomb);

        // Manifest note: a 65535x1321 first frame at +0+65280 on a 32x32 screen. ImageSharp decodes
        // the screen (and draws nothing of the frame); Pillow grows the image to hold the frame.
        Assert.Equal((32, 32), (info.Width, info.Height));
        var read = ImageHeaders.Read(bomb, complete: true, bomb.Length, UploadLimits.Default);
        Assert.Equal(HeaderOutcome.Refused, read.Outcome);
        Assert.Contains("logical screen", read.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public void Identify_BmpPrefixShorterThanItsPixelOffset_Throws()
    {
        var prefix = File.ReadAllBytes(CorpusManifest.Get("bmpsuite/g/pal8.bmp").FullPath)[..1024];

        Assert.IsType<InvalidImageContentException>(Record.Exception(() => Identify(prefix)));
        Assert.Equal(127, ImageHeaders.Read(prefix, complete: false, bodyLength: null, UploadLimits.Default).Facts!.Width);
    }

    private static IImageInfo Identify(byte[] bytes)
    {
        using var stream = new MemoryStream(bytes);
        return Image.Identify(Accepted, stream) ?? throw new InvalidOperationException("Identify returned null.");
    }
}
