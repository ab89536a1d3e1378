using ImageGateway.LoadRunner.Payloads;
using SixLabors.ImageSharp;

namespace ImageGateway.LoadRunner.Tests.Payloads;

public sealed class HostileInputsTests
{
    [Fact]
    public void PngPixelFlood_IsAValidPngHeaderDeclaringTheHugeSize()
    {
        var body = HostileInputs.PngPixelFlood(20000, 20000);

        var info = Image.Identify(body);
        Assert.Equal((20000, 20000), (info.Width, info.Height));
        Assert.True(body.Length < 1024, $"{body.Length} bytes");
    }

    [Fact]
    public void PngPixelFlood_ChunkCrcsAreRight()
    {
        var body = HostileInputs.PngPixelFlood(100, 100);

        // The CRC of an empty IEND chunk is the well-known AE 42 60 82 (every PNG ends with it).
        Assert.Equal(new byte[] { 0, 0, 0, 0, (byte)'I', (byte)'E', (byte)'N', (byte)'D', 0xAE, 0x42, 0x60, 0x82 }, body[^12..]);
        // A decoder that checks CRCs reads the whole file (100x100 of zero rows is a complete image).
        using var image = Image.Load(body);
        Assert.Equal(100, image.Width);
    }

    [Fact]
    public void JpegPixelFlood_DeclaresTheHugeSize()
    {
        var info = Image.Identify(HostileInputs.JpegPixelFlood(65000, 65000));

        Assert.Equal((65000, 65000), (info.Width, info.Height));
    }

    [Fact]
    public void GifPixelFlood_DeclaresTheHugeScreen()
    {
        var info = Image.Identify(HostileInputs.GifPixelFlood(65535, 65535));

        Assert.Equal((65535, 65535), (info.Width, info.Height));
    }

    [Fact]
    public void FrameBomb_HasEveryFrameAndAWhiteFirstFrame()
    {
        var payload = HostileInputs.FrameBomb(frames: 20, new Size(64, 32));

        using var image = Image.Load(payload.Body);
        Assert.Equal(20, image.Frames.Count);
        Assert.Equal(64 * 32, payload.Expectation.Count);
        Assert.Equal(64 * 32, LegitImagesTests.CountWhite(payload.Body));
    }

    [Fact]
    public void Create_EveryHostileInputExpectsADocumented4xxOrAKnownCount()
    {
        var payloads = HostileInputs.Create(oversizeBytes: 2 * 1024 * 1024);

        Assert.Equal(payloads.Count, payloads.Select(p => p.Name).Distinct().Count());
        Assert.All(payloads, p => Assert.False(p.IsLegit));
        Assert.All(payloads, p => Assert.True(p.Expectation.Count is not null || p.Expectation.RejectStatuses.All(s => s is 400 or 413 or 415 or 422), p.Name));
        Assert.Equal(2 * 1024 * 1024, Assert.Single(payloads, p => p.Name == "oversize").Body.Length);
        Assert.Empty(Assert.Single(payloads, p => p.Name == "empty").Body);
        Assert.Equal("gzip", Assert.Single(payloads, p => p.Name == "png-claims-gzip").ContentEncoding);
    }

    [Fact]
    public void CorpusImages_LoadsOnlyUnambiguousRowsWithReferenceCounts()
    {
        var payloads = CorpusImages.Load(ImageGateway.TestSupport.RepoPaths.Corpus);

        Assert.True(payloads.Count > 100, $"{payloads.Count} corpus images");
        Assert.All(payloads, p => Assert.True(p.IsLegit && p.Expectation.Count is not null));
        Assert.DoesNotContain(payloads, p => p.Name.Contains("/crashers/", StringComparison.Ordinal) || Path.GetFileName(p.Name).StartsWith('x'));
        Assert.DoesNotContain(payloads, p => ImageGateway.TestSupport.CorpusExpectations.KnownRejections.ContainsKey(p.Name));
        Assert.DoesNotContain(payloads, p => ImageGateway.TestSupport.CorpusExpectations.KnownDeviations.ContainsKey(p.Name));
    }
}
