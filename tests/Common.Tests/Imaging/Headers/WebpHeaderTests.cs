using ImageGateway.Common.Imaging.Headers;
using ImageGateway.Common.Problems;
using ImageGateway.TestSupport;
using Xunit.Abstractions;

namespace ImageGateway.Common.Tests.Imaging.Headers;

/// <summary>
/// The WebP header model against ImageSharp 2.1.13's real decode and Pillow (libwebp 1.2.4), on
/// files assembled chunk by chunk (<see cref="CraftedWebp"/>), images Pillow's libwebp encodes, and the corpus.
/// </summary>
public sealed class WebpHeaderTests(ITestOutputHelper output) : HeaderReaderTests<WebpFacts>(output)
{
    protected override long CountTolerance(WebpFacts facts) => facts.Lossless is null ? CorpusExpectations.LossyTolerance(facts.Pixels) : 0;

    protected override bool AllocationsCountAgainstTheReservation => true;

    public static TheoryData<string> CorpusWebps() => new(CorpusManifest.Paths(i => i.Extension == "webp"));

    [Theory]
    [MemberData(nameof(CorpusWebps))]
    public void Read_CorpusWebp_CountedAsPillowOrRefusedWhenAnimated(string path)
    {
        var image = CorpusManifest.Get(path);
        var bytes = File.ReadAllBytes(image.FullPath);
        var read = WebpHeader.Read(bytes, complete: true, bytes.Length);
        Output.WriteLine($"{path}: {read.Outcome} {read.Facts} {read.Detail}");

        if (image.Note.Contains("animated", StringComparison.Ordinal))
        {
            Assert.Equal(ProblemTypes.UnsupportedFormat, read.Problem);
            return;
        }

        var pillow = new PillowResult(image.Width!.Value, image.Height!.Value, image.PillowWhite!.Value, null);
        AssertCountsAsPillowDoes(bytes, read, pillow.White, pillow.Width, pillow.Height, pillow);
    }

    [Fact]
    public void Read_ImagesLibwebpEncodes_CountedAsPillowDoesWithinTheirReservation()
    {
        // Lossless at every effort (transforms, colour caches, meta prefix codes), lossy, lossy with alpha.
        var images = new List<(string Name, byte[] Bytes)>();
        foreach (var (name, options) in new[]
        {
            ("lossless m0", "lossless=True, method=0"),
            ("lossless m4", "lossless=True, method=4"),
            ("lossless m6 q100", "lossless=True, method=6, quality=100"),
            ("lossy", "quality=90"),
            ("lossy with alpha", "quality=90, alpha_quality=100"),
            ("lossy with raw alpha", "quality=90, alpha_quality=100, exact=True"),
        })
        {
            images.Add((name, PillowEncode(options, alpha: name.Contains("alpha", StringComparison.Ordinal))));
        }

        var pillow = Pillow.ReadAll(images.Select(i => i.Bytes).ToList());
        for (var i = 0; i < images.Count; i++)
        {
            var (name, bytes) = images[i];
            Output.WriteLine(name);
            var read = WebpHeader.Read(bytes, complete: true, bytes.Length);
            AssertCountsAsPillowDoes(bytes, read, pillow[i].White, 301, 211, pillow[i]);
            Assert.Equal(read.Facts, WebpHeader.Read(bytes, complete: false, bytes.Length).Facts); // the gateway weighs it as the backend does
        }
    }

    [Fact]
    public void Read_LosslessChunkDeclaringMoreThanTheBody_RefusedBeforeAnyAllocation()
    {
        // The 124-byte file whose VP8L chunk declares 14,000,000 bytes (ImageSharp allocates them).
        var stream = CraftedWebp.LosslessStreamOfOneColour(0xFFFFFFFF, header: true, width: 8, height: 8);
        var bytes = CraftedWebp.Riff([new WebpChunk("VP8L", [.. stream, .. new byte[100 - stream.Length]], DeclaredSize: 14_000_000)]);

        AssertRefused(WebpHeader.Read(bytes, complete: true, bytes.Length), ProblemTypes.CorruptImage, "14000000");
        AssertRefused(WebpHeader.Read(bytes.AsSpan(0, 30), complete: false, bytes.Length), ProblemTypes.CorruptImage, "");
        Assert.True(Pillow.Read(bytes).Refused);
    }

    [Fact]
    public void Read_CanvasThatDiffersFromTheFrame_Refused()
    {
        var (chunk, _) = CraftedWebp.Encoded(64, 48, lossless: false);
        var bytes = CraftedWebp.Riff([CraftedWebp.Vp8X(1, 1), chunk]);

        AssertRefused(WebpHeader.Read(bytes, complete: true, bytes.Length), ProblemTypes.CorruptImage, "canvas is 1x1");
        Assert.True(Pillow.Read(bytes).Refused);
        Assert.Equal((64, 48), (DecodeCheck.Decode(bytes).Width, 48)); // ImageSharp decodes the frame: a 1x1 weighed upload becomes 64x48
    }

    [Fact]
    public void Read_TwoImageChunks_Refused()
    {
        var (first, _) = CraftedWebp.Encoded(16, 16, lossless: false);
        var (second, _) = CraftedWebp.Encoded(640, 480, lossless: true);
        var bytes = CraftedWebp.Riff([CraftedWebp.Vp8X(16, 16), first, second]);

        AssertRefused(WebpHeader.Read(bytes, complete: true, bytes.Length), ProblemTypes.CorruptImage, "two image chunks");
        Assert.True(Pillow.Read(bytes).Refused);
        Assert.Equal(640, DecodeCheck.Decode(bytes).Width); // ImageSharp decodes the last
    }

    [Fact]
    public void Read_RiffSizeEndingInsideAChunkHeader_Refused()
    {
        var (image, _) = CraftedWebp.Encoded(16, 16, lossless: false);
        var chunks = new[] { CraftedWebp.Vp8X(16, 16), image, new WebpChunk("EXIF", new byte[20]) };
        var whole = CraftedWebp.Riff(chunks);
        var bytes = CraftedWebp.Riff(chunks, riffSize: (uint)(whole.Length - 8 - 28 + 4)); // ends 4 bytes into the EXIF header

        AssertRefused(WebpHeader.Read(bytes, complete: true, bytes.Length), ProblemTypes.CorruptImage, "inside a chunk header");
        Assert.True(Pillow.Read(bytes).Refused);
    }

    [Fact]
    public void Read_ChunksBeyondTheRiffSize_RefusedWhereImageSharpWouldReadAnotherImage()
    {
        var (image, _) = CraftedWebp.Encoded(16, 16, lossless: false);
        var (hidden, _) = CraftedWebp.Encoded(300, 200, lossless: true);
        var bytes = CraftedWebp.Riff([CraftedWebp.Vp8X(16, 16), image], trailing: hidden.Bytes());

        AssertRefused(WebpHeader.Read(bytes, complete: true, bytes.Length), ProblemTypes.CorruptImage, "ImageSharp would decode");
        Assert.Equal(300, DecodeCheck.Decode(bytes).Width);
        Assert.Equal(16, Pillow.Read(bytes).Width); // libwebp stops at the RIFF size
    }

    [Fact]
    public void Read_OddLossyChunkThatImageSharpStepsOverWithoutItsPadding_RefusedWhenThatHidesAnImage()
    {
        // An odd-sized VP8 chunk: ImageSharp reads the next chunk header from its padding byte, so
        // it takes "?EXI" for a tag and 'F' plus the EXIF size for a size (0x246 bytes here), and
        // lands inside the payload of the chunk after: a lossless image hidden there is what it decodes.
        var (image, _) = CraftedWebp.Encoded(16, 16, lossless: false);
        var odd = image.Payload.Length % 2 == 1 ? image : image with { Payload = [.. image.Payload, 0] };
        var hidden = new WebpChunk("VP8L", CraftedWebp.LosslessStreamOfOneColour(0xFFFFFFFF, header: true, width: 300, height: 200)).Bytes();
        var misreadSize = 0x46 + (2 << 8);
        var gap = 8 + misreadSize - 17 - 2; // from the padding byte to the hidden chunk, less the EXIF chunk and the next header
        byte[] lastSkip = [.. "ABCD"u8, 1, 0, 0, 0]; // ImageSharp's last read: a chunk it skips past the end of the file
        var bytes = CraftedWebp.Riff([CraftedWebp.Vp8X(16, 16), odd, new WebpChunk("EXIF", [0, 0]), new WebpChunk("JUNK", [.. new byte[gap], .. hidden, .. lastSkip])]);

        var read = WebpHeader.Read(bytes, complete: true, bytes.Length);

        AssertRefused(read, ProblemTypes.CorruptImage, "ImageSharp would decode the image chunk");
        Assert.Equal(300, DecodeCheck.Decode(bytes).Width);
        Assert.Equal(16, Pillow.Read(bytes).Width);
    }

    [Fact]
    public void Read_OddLossyChunkFollowedByMetadata_CountedAsPillowDoes()
    {
        var (image, _) = CraftedWebp.Encoded(61, 47, lossless: false);
        var odd = image.Payload.Length % 2 == 1 ? image : image with { Payload = [.. image.Payload, 0] };
        var bytes = CraftedWebp.Riff([CraftedWebp.Vp8X(61, 47, flags: 0x08), odd, new WebpChunk("EXIF", "Exif\0\0MM\0*"u8.ToArray())]);
        var pillow = Pillow.Read(bytes);

        AssertCountsAsPillowDoes(bytes, WebpHeader.Read(bytes, complete: true, bytes.Length), pillow.White, 61, 47, pillow); // lossy: Pillow's count is the reference
    }

    [Theory]
    [InlineData(WebpHeader.MaxPrefixCodeGroups, true)]
    [InlineData(WebpHeader.MaxPrefixCodeGroups + 1, false)]
    [InlineData(65536, false)]
    public void Read_LosslessImageWithManyPrefixCodeGroups_RefusedOverTheLimit(int groups, bool accepted)
    {
        var stream = CraftedWebp.LosslessWithGroups(40, 30, groups, 0xFFFFFFFF);
        var bytes = CraftedWebp.Riff([new WebpChunk("VP8L", stream)]);

        var read = WebpHeader.Read(bytes, complete: true, bytes.Length);

        if (accepted)
        {
            var facts = Assert.IsType<WebpFacts>(read.Facts);
            Assert.Equal(groups, facts.Lossless!.Value.PrefixCodeGroups);
        }
        else
        {
            AssertRefused(read, ProblemTypes.ImageTooComplex, $"{groups} prefix-code groups");
        }
    }

    [Fact]
    public void Read_PrefixCodeGroupBombCutShort_RefusedFromItsFirstBytes()
    {
        // 65536 groups named by a 1-pixel entropy image, and no group codes at all: ImageSharp
        // allocates 65536 groups' tables (2.6 GB) before it reads the first.
        var stream = CraftedWebp.LosslessWithGroups(1, 1, 65536, 0, writeGroups: false);
        var bytes = CraftedWebp.Riff([new WebpChunk("VP8L", stream)]);
        Output.WriteLine($"{bytes.Length} bytes");

        AssertRefused(WebpHeader.Read(bytes, complete: true, bytes.Length), ProblemTypes.ImageTooComplex, "65536 prefix-code groups");
        Assert.True(bytes.Length < 64);
    }

    [Fact]
    public void Read_PrefixWhoseSubImageOutrunsTheWorkBudget_AcceptedAtTheWorstCaseWhileTheBodyIsReadExactly()
    {
        // A 2048x2048 image whose predictor sub-image (512x512 tiles) costs one bit a pixel:
        // 262144 decoding steps from 32 KiB, four times a prefix read's budget.
        var bits = new CraftedWebp.Vp8LBitWriter();
        bits.Header(2048, 2048);
        bits.PredictorOfOneBitPixels(512 * 512, seed: 3);
        bits.Write(0, 1); // no other transform
        bits.Write(0, 1); // no colour cache
        bits.Write(0, 1); // no meta codes
        bits.SingleSymbolCodes(green: 0, red: 0, blue: 0, alpha: 0); // residuals 0: black (mode 0) or the left pixel (mode 1)
        var bytes = CraftedWebp.Riff([new WebpChunk("VP8L", bits.ToArray())]);

        var asPrefix = WebpHeader.Read(bytes, complete: false, bytes.Length);
        var whole = WebpHeader.Read(bytes, complete: true, bytes.Length);

        Assert.Equal(WebpLosslessStream.WorstCase(2048, 2048), Assert.IsType<WebpFacts>(asPrefix.Facts).Lossless);
        Assert.Equal(new WebpLosslessStream(1, 0, Predictor: true, PackedColorIndex: false, 512 * 512), Assert.IsType<WebpFacts>(whole.Facts).Lossless);
        Assert.True(asPrefix.Facts!.DecoderBytes(bytes.Length) > whole.Facts!.DecoderBytes(bytes.Length));
        AssertCountsAsPillowDoes(bytes, whole, 0, 2048, 2048, Pillow.Read(bytes));
    }

    [Fact]
    public void Read_PrefixThatEndsBeforeTheGroupCount_AcceptedAtTheWorstCase()
    {
        var stream = CraftedWebp.LosslessWithGroups(40, 30, 300, 0xFFFFFFFF);
        var bytes = CraftedWebp.Riff([new WebpChunk("VP8L", stream)]);
        var entropyImageCut = 12 + 8 + 8; // RIFF header, chunk header, the VP8L header and the first bits after it

        var read = WebpHeader.Read(bytes.AsSpan(0, entropyImageCut), complete: false, bytes.Length);

        Assert.Equal(WebpLosslessStream.WorstCase(40, 30), Assert.IsType<WebpFacts>(read.Facts).Lossless);
    }

    [Fact]
    public void Read_InvalidGroupCodeInAPrefix_LeftToTheWholeBodysRead()
    {
        // One group whose distance code names symbol 200 of an alphabet of 40: libwebp refuses it.
        var bits = new CraftedWebp.Vp8LBitWriter();
        bits.Header(4, 4);
        bits.Write(0, 1); // no transform
        bits.Write(0, 1); // no colour cache
        bits.Write(0, 1); // no meta codes
        bits.SimpleCode(255);
        bits.SimpleCode(255);
        bits.SimpleCode(255);
        bits.SimpleCode(255);
        bits.SimpleCode(200);
        var bytes = CraftedWebp.Riff([new WebpChunk("VP8L", [.. bits.ToArray(), .. new byte[8]])]);

        var asPrefix = WebpHeader.Read(bytes, complete: false, bytes.Length);

        Assert.Equal(new WebpLosslessStream(1, 0, false, false, 0), Assert.IsType<WebpFacts>(asPrefix.Facts).Lossless);
        AssertRefused(WebpHeader.Read(bytes, complete: true, bytes.Length), ProblemTypes.CorruptImage, "prefix code");
        Assert.True(Pillow.Read(bytes).Refused);
    }

    [Fact]
    public void DecoderBytes_LosslessImageWithManyPrefixCodeGroups_BoundsWhatImageSharpAllocates()
    {
        var stream = CraftedWebp.LosslessWithGroups(40, 30, 300, 0xFFFFFFFF);
        var bytes = CraftedWebp.Riff([new WebpChunk("VP8L", stream)]);
        var facts = Assert.IsType<WebpFacts>(WebpHeader.Read(bytes, complete: true, bytes.Length).Facts);

        var decoded = DecodeCheck.Decode(bytes);
        var reservation = DecodeCheck.Reservation(facts, bytes.Length);

        Output.WriteLine($"300 groups: peak {decoded.AllocatorPeak}, allocated {decoded.Allocated}, reservation {reservation}");
        Assert.Equal(1200, decoded.White);
        Assert.Equal(1200, Pillow.Read(bytes).White);
        Assert.True(decoded.Allocated - decoded.AllocatorPeak > 300 * 2954 * 8, "the tables (2954 codes of 8 bytes a group) are outside the image allocator");
        Assert.True(decoded.Allocated <= reservation, $"allocated {decoded.Allocated} > reservation {reservation}");
        Assert.True(reservation <= (decoded.Allocated * 1.5) + Common.Imaging.DecodeCostEstimator.FixedBytes);
    }

    [Fact]
    public void Read_LossyImageWithAlphaPlane_CountedAsPillowDoes()
    {
        var (image, white) = CraftedWebp.Encoded(40, 24, lossless: false);

        // Raw alpha: 255 for the left half, 0 for the right (white turns transparent there).
        var raw = new byte[1 + (40 * 24)];
        for (var i = 0; i < 40 * 24; i++)
        {
            raw[1 + i] = (byte)(i % 40 < 20 ? 255 : 0);
        }

        var rawAlpha = CraftedWebp.Riff([CraftedWebp.Vp8X(40, 24, flags: 0x10), new WebpChunk("ALPH", raw), image]);
        var compressed = CraftedWebp.Riff([CraftedWebp.Vp8X(40, 24, flags: 0x10), new WebpChunk("ALPH", [0x01, .. CraftedWebp.LosslessStreamOfOneColour(0xFF00FF00), .. new byte[8]]), image]);
        var ignored = CraftedWebp.Riff([CraftedWebp.Vp8X(40, 24), new WebpChunk("ALPH", raw), image]); // no alpha flag: both ignore it

        var pillow = Pillow.ReadAll([rawAlpha, compressed, ignored]);
        Assert.True(pillow[0].White < pillow[2].White && pillow[2].White <= white);
        AssertCountsAsPillowDoes(rawAlpha, WebpHeader.Read(rawAlpha, complete: true, rawAlpha.Length), pillow[0].White, 40, 24, pillow[0]);
        AssertCountsAsPillowDoes(compressed, WebpHeader.Read(compressed, complete: true, compressed.Length), pillow[1].White, 40, 24, pillow[1]);
        AssertCountsAsPillowDoes(ignored, WebpHeader.Read(ignored, complete: true, ignored.Length), pillow[2].White, 40, 24, pillow[2]);
        Assert.Equal(pillow[1].White, pillow[2].White); // an opaque alpha plane changes nothing
    }

    public static TheoryData<string, int, string> AlphaMistakes() => new()
    {
        { "alpha flag without an ALPH chunk", 0, "no ALPH chunk" },
        { "ALPH after the image chunk", 1, "after its image chunk" },
        { "two ALPH chunks", 2, "followed by ALPH" },
        { "ALPH before a lossless image", 3, "carries its own alpha" },
        { "a chunk between ALPH and the image", 4, "not by its image chunk" },
        { "ALPH with reserved bits", 5, "header byte" },
        { "raw ALPH shorter than the image", 6, "uncompressed alpha plane" },
    };

    [Theory]
    [MemberData(nameof(AlphaMistakes))]
    public void Read_AlphaChunksTheDecodersReadDifferently_Refused(string name, int mistake, string detail)
    {
        var (lossy, _) = CraftedWebp.Encoded(16, 16, lossless: false);
        var (lossless, _) = CraftedWebp.Encoded(16, 16, lossless: true);
        var alph = new WebpChunk("ALPH", [0x00, .. Enumerable.Repeat((byte)255, 256)]);
        var vp8x = CraftedWebp.Vp8X(16, 16, flags: 0x10);
        WebpChunk[] chunks = mistake switch
        {
            0 => [vp8x, lossy],
            1 => [vp8x, lossy, alph],
            2 => [vp8x, alph, alph, lossy],
            3 => [vp8x, alph, lossless],
            4 => [vp8x, alph, new WebpChunk("XYZW", [1, 2]), lossy],
            5 => [vp8x, alph with { Payload = [0xC0, .. alph.Payload[1..]] }, lossy],
            _ => [vp8x, alph with { Payload = alph.Payload[..200] }, lossy],
        };
        var bytes = CraftedWebp.Riff(chunks);

        Output.WriteLine(name);
        AssertRefused(WebpHeader.Read(bytes, complete: true, bytes.Length), ProblemTypes.CorruptImage, detail);
    }

    [Fact]
    public void Read_Animation_RefusedAsUnsupported()
    {
        var bytes = CraftedWebp.Riff([CraftedWebp.Vp8X(16, 16, flags: 0x02), new WebpChunk("ANIM", new byte[6])]);

        AssertRefused(WebpHeader.Read(bytes, complete: true, bytes.Length), ProblemTypes.UnsupportedFormat, "animated");
    }

    [Theory]
    [InlineData(0x01, "reserved bits")]
    [InlineData(0x40, "reserved bits")]
    public void Read_VP8XWithReservedBits_Refused(int flags, string detail)
    {
        var (image, _) = CraftedWebp.Encoded(16, 16, lossless: false);
        var bytes = CraftedWebp.Riff([CraftedWebp.Vp8X(16, 16, (byte)flags), image]);

        AssertRefused(WebpHeader.Read(bytes, complete: true, bytes.Length), ProblemTypes.CorruptImage, detail);
    }

    [Fact]
    public void Read_VP8XLongerThanTenBytes_Refused()
    {
        var (image, _) = CraftedWebp.Encoded(16, 16, lossless: false);
        var vp8x = CraftedWebp.Vp8X(16, 16);
        var bytes = CraftedWebp.Riff([vp8x with { Payload = [.. vp8x.Payload, 0, 0] }, image]);

        AssertRefused(WebpHeader.Read(bytes, complete: true, bytes.Length), ProblemTypes.CorruptImage, "VP8X chunk is 12 bytes");
    }

    public static TheoryData<string, byte[]> InvalidLosslessStreams()
    {
        var twice = new CraftedWebp.Vp8LBitWriter();
        twice.Header(8, 8);
        twice.Write(1, 1);
        twice.Write(2, 2); // subtract green
        twice.Write(1, 1);
        twice.Write(2, 2); // subtract green again
        var cache = new CraftedWebp.Vp8LBitWriter();
        cache.Header(8, 8);
        cache.Write(0, 1);
        cache.Write(1, 1);
        cache.Write(12, 4); // 12 cache bits
        var badCode = new CraftedWebp.Vp8LBitWriter();
        badCode.Header(8, 8);
        badCode.Write(0, 3); // no transform, no cache, no meta codes
        badCode.Write(0, 1); // a normal code...
        badCode.Write(0, 4); // ...with 4 code-length code lengths, all 0
        badCode.Write(0, 12);
        return new TheoryData<string, byte[]>
        {
            { "a transform twice", twice.ToArray() },
            { "a 12-bit colour cache", cache.ToArray() },
            { "a code-length code with no codes", badCode.ToArray() },
        };
    }

    [Theory]
    [MemberData(nameof(InvalidLosslessStreams))]
    public void Read_LosslessStreamLibwebpRefuses_Refused(string name, byte[] stream)
    {
        var bytes = CraftedWebp.Riff([new WebpChunk("VP8L", [.. stream, .. new byte[16]])]);

        Output.WriteLine(name);
        AssertRefused(WebpHeader.Read(bytes, complete: true, bytes.Length), ProblemTypes.CorruptImage, "");
        Assert.True(Pillow.Read(bytes).Refused);
    }

    [Fact]
    public void Read_EveryCutOfAnExtendedWebp_RefusedWhenCompleteAndNeverWhenAPrefix()
    {
        var (image, _) = CraftedWebp.Encoded(40, 24, lossless: true);
        var bytes = CraftedWebp.Riff([CraftedWebp.Vp8X(40, 24, flags: 0x08), new WebpChunk("ICCP", new byte[7]), image, new WebpChunk("EXIF", new byte[3])]);

        for (var cut = 0; cut < bytes.Length; cut++)
        {
            var asBody = WebpHeader.Read(bytes.AsSpan(0, cut), complete: true, cut);
            var asPrefix = WebpHeader.Read(bytes.AsSpan(0, cut), complete: false, bytes.Length);
            Assert.True(asBody.Outcome == HeaderOutcome.Refused, $"cut at {cut}: {asBody.Outcome}");
            Assert.True(asPrefix.Outcome != HeaderOutcome.Refused, $"prefix of {cut}: {asPrefix.Detail}");
            if (asPrefix.Facts is { } facts)
            {
                Assert.Equal((40, 24), (facts.Width, facts.Height));
            }
        }

        Assert.Equal(HeaderOutcome.Accepted, WebpHeader.Read(bytes, complete: true, bytes.Length).Outcome);
    }

    public static TheoryData<string, int, int> MemoryCases()
    {
        var data = new TheoryData<string, int, int>();
        foreach (var kind in new[] { "lossy", "lossless", "lossy with alpha" })
        {
            data.Add(kind, 1000, 750);
            data.Add(kind, 4001, 97);
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(MemoryCases))]
    public void DecoderBytes_EncodedWebp_BoundsTheAllocatorPeakAndEveryAllocation(string kind, int width, int height)
    {
        var (image, _) = CraftedWebp.Encoded(width, height, lossless: kind == "lossless");
        var bytes = kind == "lossy with alpha"
            ? CraftedWebp.Riff([CraftedWebp.Vp8X(width, height, flags: 0x10), new WebpChunk("ALPH", [0x01, .. CraftedWebp.LosslessStreamOfOneColour(0xFF00FF00), .. new byte[8]]), image])
            : CraftedWebp.Riff([image]);
        var facts = Assert.IsType<WebpFacts>(WebpHeader.Read(bytes, complete: true, bytes.Length).Facts);

        var decoded = DecodeCheck.Decode(bytes);
        var reservation = DecodeCheck.Reservation(facts, bytes.Length);

        Output.WriteLine($"{kind} {width}x{height}: peak {decoded.AllocatorPeak}, allocated {decoded.Allocated}, reservation {reservation}");
        Assert.True(decoded.AllocatorPeak <= reservation, $"allocator peak {decoded.AllocatorPeak} > reservation {reservation}");
        Assert.True(decoded.Allocated <= reservation, $"allocated {decoded.Allocated} > reservation {reservation}");
        Assert.True(reservation <= (decoded.Allocated * 1.5) + Common.Imaging.DecodeCostEstimator.FixedBytes, $"reservation {reservation} is far above the {decoded.Allocated} allocated");
    }

    /// <summary>A 301x211 picture (white blocks, noise) encoded by Pillow's libwebp with the given save options.</summary>
    private static byte[] PillowEncode(string options, bool alpha)
    {
        var path = Path.GetTempFileName();
        try
        {
            var script = $$"""
                from PIL import Image
                import random
                random.seed(7)
                im = Image.new("RGBA", (301, 211))
                px = im.load()
                for y in range(211):
                    for x in range(301):
                        if ((x // 16) + (y // 16)) % 3 == 0:
                            px[x, y] = (255, 255, 255, 255 if x < 250 or not {{(alpha ? "True" : "False")}} else 128)
                        else:
                            v = random.randint(0, 200)
                            px[x, y] = (v, v // 2, 255 - v, 255)
                im = im if {{(alpha ? "True" : "False")}} else im.convert("RGB")
                im.save("{{path}}", "WEBP", {{options}})
                """;
            var start = new System.Diagnostics.ProcessStartInfo("/usr/bin/python3") { RedirectStandardError = true, UseShellExecute = false };
            start.ArgumentList.Add("-c");
            start.ArgumentList.Add(script);
            using var process = System.Diagnostics.Process.Start(start)!;
            var error = process.StandardError.ReadToEnd();
            Assert.True(process.WaitForExit(60_000) && process.ExitCode == 0, $"Pillow could not encode: {error} (apt-get install python3-pil)");
            return File.ReadAllBytes(path);
        }
        finally
        {
            File.Delete(path);
        }
    }
}
