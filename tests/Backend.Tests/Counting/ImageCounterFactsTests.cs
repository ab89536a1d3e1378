using System.Text;
using ImageGateway.Backend.Counting;
using ImageGateway.Backend.Memory;
using ImageGateway.Common.Imaging;
using ImageGateway.Common.Imaging.Headers;
using ImageGateway.Common.Problems;
using ImageGateway.TestSupport;
using Microsoft.Extensions.Options;

namespace ImageGateway.Backend.Tests.Counting;

/// <summary>
/// The backend's side of the header model: the decode is checked against the facts (enforcement
/// that does not trust the prediction), normalised bodies count as the reference decoders do, and
/// the estimate bounds what decoding them allocates.
/// </summary>
public sealed class ImageCounterFactsTests
{
    private static readonly ImageCounter Counter = new(Options.Create(new CountingOptions()), new GcImageAllocator(long.MaxValue));

    [Fact]
    public void Count_DecodedFrameNotWhatTheFactsSay_Is422NotWhatItsHeaderSays()
    {
        var (png, _) = CraftedPng.Image(40, 30, (x, y) => x == y);
        var lie = new PngFacts(30, 40, BitDepth: 8, ColorType: 2, Interlaced: false, ImageDataBytes: png.Length, EmptyDataChunks: 0);

        var ex = Assert.Throws<ImageRejectedException>(() => Counter.Count(png, lie));

        Assert.Equal(ProblemTypes.CorruptImage, ex.Problem);
        Assert.Contains("not what its header says", ex.Message, StringComparison.Ordinal);
        Assert.Contains("40x30", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Count_GifFrameOutsideItsScreen_IsRefusedBeforeDecoding_ThoughItsScreenIsTiny()
    {
        // Logical screen 10x10, first image descriptor 20000x20000: ImageSharp decodes onto the
        // screen, Pillow would grow the image to the frame. Refused as corrupt, not decoded.
        var gif = CraftedGif.Build(10, 10, [CraftedGif.Black, CraftedGif.White], (0, 0, 20_000, 20_000), (_, _) => 0, imageData: CraftedGif.Lzw([0], 2));

        var ex = Assert.Throws<ImageRejectedException>(() => Counter.Count(gif));

        Assert.Equal(ProblemTypes.CorruptImage, ex.Problem);
        Assert.Contains("20000x20000", ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(GeneratedKind.PngRgb, SampleDepth.Bits8)]
    [InlineData(GeneratedKind.PngPalette, SampleDepth.Bits8)]
    [InlineData(GeneratedKind.Png16, SampleDepth.Bits16)]
    [InlineData(GeneratedKind.JpegBaseline420, SampleDepth.Bits8)]
    [InlineData(GeneratedKind.Gif, SampleDepth.Bits8)]
    [InlineData(GeneratedKind.WebpLossless, SampleDepth.Bits8)]
    [InlineData(GeneratedKind.Bmp24, SampleDepth.Bits8)]
    public void Identify_SampleDepth_ChoosesTheWhiteTest(GeneratedKind kind, SampleDepth depth) =>
        Assert.Equal(depth, Counter.Identify(GeneratedImages.Create(kind, 40, 30).Bytes).Depth);

    [Theory]
    [InlineData("pngsuite/basn2c16.png", SampleDepth.Bits16)] // 16-bit RGB
    [InlineData("pngsuite/basn0g16.png", SampleDepth.Bits16)] // 16-bit gray
    [InlineData("pngsuite/tbrn2c08.png", SampleDepth.Bits8)] // 8-bit RGB with tRNS
    public void Identify_CorpusSampleDepth_ChoosesTheWhiteTest(string corpusImage, SampleDepth expected) =>
        Assert.Equal(expected, Counter.Identify(File.ReadAllBytes(CorpusManifest.Get(corpusImage).FullPath)).Depth);

    public static TheoryData<string, byte[], long> Normalised()
    {
        var random = new Random(7);
        var maxval = new byte[600 * 400];
        long maxvalWhite = 0;
        for (var i = 0; i < maxval.Length; i++)
        {
            maxval[i] = (byte)(random.Next(8) == 0 ? 100 : random.Next(100));
            maxvalWhite += maxval[i] == 100 ? 1 : 0;
        }

        var plain = new StringBuilder("P2\n300 200\n255\n");
        long plainWhite = 0;
        for (var i = 0; i < 300 * 200; i++)
        {
            var v = random.Next(4) == 0 ? 255 : random.Next(255);
            plainWhite += v == 255 ? 1 : 0;
            plain.Append(v).Append(i % 17 == 0 ? '\n' : ' ');
        }

        Func<int, int, bool> white = (x, y) => ((x * 73856093) ^ (y * 19349663)) % 5 == 0;
        var (_, pngWhite) = CraftedPng.Image(500, 400, white);
        var data = CraftedPng.Compress(CraftedPng.RawData(500, 400, white));
        var emptyIdat = CraftedPng.Build(CraftedPng.Ihdr(500, 400), CraftedPng.Chunk("IDAT", data[..8194]), CraftedPng.Chunk("IDAT", []), CraftedPng.Chunk("IDAT", data[8194..]), CraftedPng.Chunk("IEND", []));
        var interlaced = CraftedPng.Image(500, 400, white, interlaced: true);
        return new TheoryData<string, byte[], long>
        {
            { "P5 maxval 100", [.. Encoding.ASCII.GetBytes("P5\n600 400\n100\n"), .. maxval], maxvalWhite },
            { "plain P2", Encoding.ASCII.GetBytes(plain.ToString()), plainWhite },
            { "PNG with an empty IDAT", emptyIdat, pngWhite },
            { "interlaced PNG (inflated before decoding)", interlaced.Bytes, interlaced.White },
        };
    }

    /// <summary>
    /// Bodies ImageSharp 2.1.13 misreads unless <see cref="ImageHeaders.Prepare"/> normalises them
    /// (<see cref="JpegNormaliser"/>, <see cref="BmpNormaliser"/>), with their white count by construction.
    /// </summary>
    public static TheoryData<string, byte[], long> NormalisedForImageSharp()
    {
        var (clean, jpegWhite) = CraftedJpeg.Build(new JpegSpec(61, 47) { Components = [new(1, 2, 2), new(2, 1, 1), new(3, 1, 1)] });
        var parts = JpegParts.Split(clean);
        parts.Insert(JpegParts.IndexOf(parts, 0xC0), "hello"u8.ToArray()); // as pillow/junk_jpeg_header.jpg
        var strayBytes = JpegParts.Join(parts);
        var fill = JpegParts.Join(JpegParts.Split(clean).SelectMany((p, i) => i == 0 ? [p] : new[] { new byte[] { 0xFF, 0xFF }, p }));
        var palette = CraftedBmp.Build(new BmpSpec(37, 11, 4) { ColorsUsed = 0, Gap = 64 });
        var fourthByte = CraftedBmp.Build(new BmpSpec(9, 5, 32) { Pixel = (x, y) => (x % 3) switch { 0 => 0x00FFFFFF, 1 => 0x07FFFFFF, _ => 0xFF102030 } });
        return new TheoryData<string, byte[], long>
        {
            { "JPEG with stray bytes before its frame", strayBytes, jpegWhite },
            { "JPEG with fill bytes before every marker", fill, jpegWhite },
            { "BMP whose palette is sized from the pixel offset", palette.Bytes, palette.WhitePixels },
            { "32-bit BMP with something in the unused byte", fourthByte.Bytes, fourthByte.WhitePixels },
        };
    }

    /// <summary>
    /// The backend's count of a body it normalises before decoding equals Pillow's (the reference),
    /// though ImageSharp would count the raw body otherwise; the estimate still bounds the decode,
    /// normalised copy included.
    /// </summary>
    [Theory]
    [MemberData(nameof(NormalisedForImageSharp))]
    public void Count_BodyNormalisedForImageSharp_CountsAsPillowDoes(string name, byte[] body, long white)
    {
        var facts = Counter.Identify(body);
        Assert.True(facts is JpegFacts { NeedsNormalising: true } or BmpFacts { NeedsNormalising: true }, $"{name}: {facts}");

        var result = Counter.Count(body, facts);
        var pillow = Pillow.Read(body);

        Assert.False(pillow.Refused, $"{name}: Pillow {pillow}");
        Assert.Equal((pillow.Width, pillow.Height, pillow.White), (result.Width, result.Height, result.WhitePixelCount));
        Assert.Equal(white, result.WhitePixelCount);
        Count_BodyPreparedBeforeDecoding_IsCountedAndWithinItsEstimate(name, body, white);
    }

    /// <summary>
    /// A body the backend rewrites or inflates before decoding is counted by construction, and the
    /// estimate (frame + the facts' DecoderBytes + fixed) bounds everything the count allocated,
    /// rewrite included.
    /// </summary>
    [Theory]
    [MemberData(nameof(Normalised))]
    public void Count_BodyPreparedBeforeDecoding_IsCountedAndWithinItsEstimate(string name, byte[] body, long white)
    {
        var facts = Counter.Identify(body);
        Counter.Count(body, facts); // warm up: first-call statics are not per-decode cost

        var before = GC.GetAllocatedBytesForCurrentThread();
        var result = Counter.Count(body, facts);
        var measured = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.Equal(white, result.WhitePixelCount);
        var estimate = DecodeCostEstimator.Estimate(facts, body.Length);
        Assert.True(estimate >= measured, $"{name}: estimate {estimate} < measured {measured}");
    }
}
