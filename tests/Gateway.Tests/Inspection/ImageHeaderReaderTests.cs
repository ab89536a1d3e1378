using ImageGateway.Gateway.Inspection;
using ImageGateway.TestSupport;

namespace ImageGateway.Gateway.Tests.Inspection;

public sealed class ImageHeaderReaderTests
{
    public static TheoryData<string> SizedCorpusImages()
    {
        var data = new TheoryData<string>();
        foreach (var image in CorpusManifest.All.Where(i => i.Width is not null && i.Height is not null && CorpusExpectations.IsAccepted(i)))
        {
            data.Add(image.Path);
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(SizedCorpusImages))]
    public void Read_CorpusImagePrefix_GivesTheSizeTheReferenceDecodersMeasured(string path)
    {
        var image = CorpusManifest.Get(path);
        var bytes = File.ReadAllBytes(image.FullPath);
        var format = ImageGateway.Common.Imaging.SafeImageConfiguration.DetectAnyFormatName(bytes);
        Assert.NotNull(format);

        var read = ImageHeaderReader.Read(format, bytes.AsSpan(0, Math.Min(bytes.Length, 512 * 1024)));

        Assert.True(read.Header is not null, $"{path}: {read.Invalid ?? "needs more data"}");
        Assert.Equal((long)image.Width!, read.Header.Width);
        Assert.Equal((long)image.Height!, read.Header.Height);
    }

    [Fact]
    public void Read_EveryPrefixShorterThanTheHeader_AsksForMoreData()
    {
        var png = CraftedImages.Png(100, 50);
        var jpeg = CraftedImages.JpegHeader(100, 50, appBytes: 1000);
        var gif = CraftedImages.Gif(100, 50);
        foreach (var (format, bytes, needed) in new[] { ("png", png, 25), ("jpeg", jpeg, jpeg.Length - 10), ("gif", gif, 29) })
        {
            for (var length = 0; length < needed; length++)
            {
                var read = ImageHeaderReader.Read(format, bytes.AsSpan(0, length));
                Assert.True(read.IsNeedMoreData, $"{format} prefix of {length} bytes: {read.Header?.ToString() ?? read.Invalid}");
            }

            var whole = ImageHeaderReader.Read(format, bytes);
            Assert.Equal(100, whole.Header!.Width);
            Assert.Equal(50, whole.Header.Height);
        }
    }

    [Fact]
    public void Read_GifWithSmallScreenButHugeFirstFrame_ReportsTheFrame()
    {
        var bomb = File.ReadAllBytes(CorpusManifest.Get("pillow/decompression_bomb.gif").FullPath);

        var header = ImageHeaderReader.Read("gif", bomb).Header!;

        // The manifest's note: "first frame 65535x1321 at +0+65280 on 32x32 screen".
        Assert.Equal((32, 32), (header.Width, header.Height));
        Assert.Equal((65535, 1321), (header.FirstFrameWidth, header.FirstFrameHeight));
    }

    [Fact]
    public void Read_JpegWithScanBeforeFrame_IsCorrupt()
    {
        byte[] jpeg = [0xFF, 0xD8, 0xFF, 0xDA, 0x00, 0x08, 1, 2, 3, 4, 5, 6];

        Assert.NotNull(ImageHeaderReader.Read("jpeg", jpeg).Invalid);
    }
}
