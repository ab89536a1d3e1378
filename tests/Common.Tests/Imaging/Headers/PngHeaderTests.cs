using ImageGateway.Common.Imaging.Headers;
using ImageGateway.TestSupport;
using SixLabors.ImageSharp;

namespace ImageGateway.Common.Tests.Imaging.Headers;

/// <summary>
/// Every PNG class of issue 10, crafted here, judged by the header model and checked against
/// ImageSharp's real decode and Pillow (<see cref="Verdict"/>).
/// </summary>
public sealed class PngHeaderTests
{
    private static readonly Func<int, int, bool> Checker = (x, y) => ((x / 3) + (y / 2)) % 3 == 0;

    [Theory]
    [InlineData(8, 2, false)]
    [InlineData(8, 2, true)]
    [InlineData(8, 6, false)]
    [InlineData(16, 0, false)]
    [InlineData(16, 2, true)]
    [InlineData(1, 0, true)]
    [InlineData(2, 3, false)]
    [InlineData(4, 3, true)]
    public void Read_ValidPng_CountsAsImageSharpAndPillowDo(int bitDepth, int colorType, bool interlaced)
    {
        var (png, white) = CraftedPng.Image(37, 23, Checker, bitDepth, colorType, interlaced);

        var verdict = Verdict.Of(png);

        // Pillow clamps 16-bit gray to 8 bits; both are white only at the maximum here.
        verdict.AssertCounted(white);
        Assert.Equal(bitDepth == 16 ? SampleDepth.Bits16 : SampleDepth.Bits8, verdict.Read.Facts!.Depth);
        Assert.Equal(interlaced ? 7 : 1, verdict.Read.Facts.DecodePasses);
    }

    /// <summary>ImageSharp never returns on these (measured: every width 1-4, heights 1-7); width 5 and over decode right.</summary>
    [Theory]
    [InlineData(1, 1)]
    [InlineData(4, 4)]
    [InlineData(3, 40)]
    public void Read_Adam7NarrowerThan5_IsRefused_ThoughPillowReadsIt(int width, int height)
    {
        var (png, white) = CraftedPng.Image(width, height, Checker, interlaced: true);

        var verdict = Verdict.Of(png, rawDecodeHangs: true);

        verdict.AssertRefused("narrower than 5 pixels");
        verdict.AssertImageSharpAloneDiffersFromPillow();
        Assert.Equal((width, height, white), (verdict.Pillow.Width, verdict.Pillow.Height, verdict.Pillow.White));
    }

    [Theory]
    [InlineData(5, 1)]
    [InlineData(5, 4)]
    [InlineData(7, 2)]
    public void Read_Adam7FiveOrMoreWide_IsCountedAtAnyHeight(int width, int height)
    {
        var (png, white) = CraftedPng.Image(width, height, Checker, interlaced: true);

        Verdict.Of(png).AssertCounted(white);
    }

    /// <summary>Issue 10's first file: a non-interlaced 1x1 IHDR first, the real tiny interlaced image behind it (ImageSharp spins forever).</summary>
    [Fact]
    public void Read_NonInterlacedIhdrThenTinyInterlacedImage_IsRefusedAsASecondIhdr()
    {
        var tiny = CraftedPng.RawData(3, 3, Checker, interlaced: true);
        var png = CraftedPng.Build(CraftedPng.Ihdr(1, 1), CraftedPng.Ihdr(3, 3, interlaced: true), CraftedPng.Chunk("IDAT", CraftedPng.Compress(tiny)), CraftedPng.Chunk("IEND", []));

        var verdict = Verdict.Of(png, rawDecodeHangs: true);

        verdict.AssertRefused("second IHDR");
        verdict.AssertImageSharpHangs();
    }

    /// <summary>
    /// IHDR 1x1, IHDR WxH, IDAT, IHDR 1x1: ImageSharp decodes WxH, its Identify reports 1x1 (the
    /// product used to admit by Identify). libpng refuses a second IHDR.
    /// </summary>
    [Fact]
    public void Read_ThreeIhdrs_IsRefused_WhereImageSharpDecodesOneSizeAndIdentifiesAnother()
    {
        var data = CraftedPng.Compress(CraftedPng.RawData(40, 30, Checker));
        var png = CraftedPng.Build(CraftedPng.Ihdr(1, 1), CraftedPng.Ihdr(40, 30), CraftedPng.Chunk("IDAT", data), CraftedPng.Ihdr(1, 1), CraftedPng.Chunk("IEND", []));

        var verdict = Verdict.Of(png);

        verdict.AssertRefused("second IHDR");
        var identified = Image.Identify(png);
        Assert.Equal((1, 1), (identified.Width, identified.Height));
        Assert.Equal((40, 30), (verdict.RawImageSharp!.Width, verdict.RawImageSharp.Height));
    }

    /// <summary>
    /// A zero-length IDAT where a read of ImageSharp's inflater ends (2 + 8192 bytes in) stops its
    /// image data there: the rest of the image is zero. Valid PNG; counted after dropping it.
    /// </summary>
    [Theory]
    [InlineData(2 + 8192)]
    [InlineData(0)]
    [InlineData(5000)]
    public void Read_ZeroLengthIdat_IsDroppedAndCountedAsPillowCounts(int at)
    {
        var (_, white) = CraftedPng.Image(300, 300, NoisyChecker);
        var data = CraftedPng.Compress(CraftedPng.RawData(300, 300, NoisyChecker));
        var png = CraftedPng.Build(CraftedPng.Ihdr(300, 300), CraftedPng.Chunk("IDAT", data[..at]), CraftedPng.Chunk("IDAT", []), CraftedPng.Chunk("IDAT", data[at..]), CraftedPng.Chunk("IEND", []));

        var verdict = Verdict.Of(png);

        verdict.AssertCounted(white);
        Assert.Equal(at == 0 ? 2 : 1, Assert.IsType<PngFacts>(verdict.Read.Facts).EmptyDataChunks);
        if (at != 5000)
        {
            verdict.AssertImageSharpAloneDiffersFromPillow();
        }
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Read_IdatRunBrokenByAnotherChunk_IsRefused(bool interlaced)
    {
        var data = CraftedPng.Compress(CraftedPng.RawData(16, 16, Checker, interlaced: interlaced));
        var png = CraftedPng.Build(CraftedPng.Ihdr(16, 16, interlaced: interlaced), CraftedPng.Chunk("IDAT", data[..(data.Length / 2)]), CraftedPng.Chunk("tEXt", "a\0b"u8), CraftedPng.Chunk("IDAT", data[(data.Length / 2)..]), CraftedPng.Chunk("IEND", []));

        var verdict = Verdict.Of(png, rawDecodeHangs: interlaced);

        verdict.AssertRefused("not consecutive");
        Assert.True(verdict.Pillow.Refused, verdict.Pillow.ToString());
        verdict.AssertImageSharpAloneDiffersFromPillow();
    }

    /// <summary>
    /// Image data that cannot fill the image: libpng refuses it; ImageSharp loops forever on an
    /// interlaced one (issue 11) and fills a non-interlaced one with zeros, as Pillow does when the
    /// zlib stream ends on a row boundary. Refused when an inflate (interlaced) or the 1032:1 bound
    /// (any) proves it; otherwise counted as ImageSharp and Pillow count it.
    /// </summary>
    [Theory]
    [InlineData(false, 40)]
    [InlineData(true, 40)]
    [InlineData(false, 2)]
    [InlineData(true, 2)]
    public void Prepare_ImageDataShorterThanTheImage_IsRefusedWhereProvable(bool interlaced, int rows)
    {
        var raw = CraftedPng.RawData(300, 300, Checker, interlaced: interlaced);
        var png = CraftedPng.Build(CraftedPng.Ihdr(300, 300, interlaced: interlaced), CraftedPng.Chunk("IDAT", CraftedPng.Compress(raw[..(rows * 901)])), CraftedPng.Chunk("IEND", []));

        var verdict = Verdict.Of(png, rawDecodeHangs: interlaced);

        Assert.Equal(HeaderOutcome.Accepted, verdict.Read.Outcome);
        if (!interlaced && rows == 40)
        {
            var white = Enumerable.Range(0, 40).Sum(y => Enumerable.Range(0, 300).Count(x => Checker(x, y)));
            verdict.AssertCounted(white);
            return;
        }

        verdict.AssertRefused("truncated");
        if (interlaced)
        {
            verdict.AssertImageSharpHangs();
        }
    }

    /// <summary>
    /// A palette image whose data ends early: ImageSharp leaves the missing rows out of the count,
    /// Pillow paints them palette entry 0 (white here), libpng refuses. Found by the differential
    /// fuzzer (tests/fuzz-regressions/png-palette-image-data-short-*): refused after an inflate.
    /// </summary>
    [Fact]
    public void Prepare_PaletteImageDataShorterThanTheImage_IsRefusedWherePillowPaintsEntryZero()
    {
        var raw = CraftedPng.RawData(300, 300, Checker, colorType: 3);
        var png = CraftedPng.Build(
            CraftedPng.Ihdr(300, 300, colorType: 3),
            CraftedPng.Chunk("PLTE", [255, 255, 255, 0, 0, 0]),
            CraftedPng.Chunk("IDAT", CraftedPng.Compress(raw[..(40 * 301)])),
            CraftedPng.Chunk("IEND", []));

        var verdict = Verdict.Of(png);

        Assert.Equal(HeaderOutcome.Accepted, verdict.Read.Outcome);
        verdict.AssertRefused("truncated");
        Assert.False(verdict.Pillow.Refused, $"Pillow {verdict.Pillow}");
        Assert.NotEqual(verdict.Pillow.White, verdict.RawImageSharp!.White); // the evidence: alone, ImageSharp miscounts
    }

    public static TheoryData<string, byte[], string> StructuralLies()
    {
        var data = CraftedPng.Chunk("IDAT", CraftedPng.Compress(CraftedPng.RawData(8, 8, Checker, colorType: 3)));
        var gray = CraftedPng.Chunk("IDAT", CraftedPng.Compress(CraftedPng.RawData(8, 8, Checker, colorType: 0)));
        var plte = CraftedPng.Chunk("PLTE", [0, 0, 0, 255, 255, 255]);
        var end = CraftedPng.Chunk("IEND", []);
        var ihdr3 = CraftedPng.Ihdr(8, 8, colorType: 3);
        var badCrc = CraftedPng.Chunk("tRNS", [0, 0]);
        badCrc[^1] ^= 0xFF;
        var longChunk = CraftedPng.Build(CraftedPng.Ihdr(8, 8, colorType: 0), gray, end);
        longChunk[33 + 3] += 100; // the IDAT's length past the body
        return new TheoryData<string, byte[], string>
        {
            { "no PLTE", CraftedPng.Build(ihdr3, data, end), "no PLTE" },
            { "PLTE after IDAT", CraftedPng.Build(CraftedPng.Ihdr(8, 8), CraftedPng.Chunk("IDAT", CraftedPng.Compress(CraftedPng.RawData(8, 8, Checker))), plte, end), "after its image data" },
            { "two PLTE", CraftedPng.Build(ihdr3, plte, plte, data, end), "second PLTE" },
            { "PLTE of 257 entries", CraftedPng.Build(ihdr3, CraftedPng.Chunk("PLTE", new byte[771]), data, end), "1 to 256 entries" },
            { "tRNS before PLTE", CraftedPng.Build(ihdr3, CraftedPng.Chunk("tRNS", [0]), plte, data, end), "before the palette" },
            { "tRNS after IDAT", CraftedPng.Build(ihdr3, plte, data, CraftedPng.Chunk("tRNS", [0]), end), "after its image data: libpng and ImageSharp ignore it, Pillow applies it" },
            { "tRNS longer than PLTE", CraftedPng.Build(ihdr3, plte, CraftedPng.Chunk("tRNS", [0, 0, 0]), data, end), "3 entries for a palette of 2" },
            { "gray tRNS of 4 bytes", CraftedPng.Build(CraftedPng.Ihdr(8, 8, colorType: 0), CraftedPng.Chunk("tRNS", [0, 255, 0, 0]), gray, end), "a gray image's is 2" },
            { "tRNS with a bad CRC", CraftedPng.Build(CraftedPng.Ihdr(8, 8, colorType: 0), badCrc, gray, end), "bad CRC" },
            { "two tRNS", CraftedPng.Build(CraftedPng.Ihdr(8, 8, colorType: 0), CraftedPng.Chunk("tRNS", [0, 0]), CraftedPng.Chunk("tRNS", [0, 0]), gray, end), "second tRNS" },
            { "unknown critical chunk", CraftedPng.Build(CraftedPng.Ihdr(8, 8, colorType: 0), CraftedPng.Chunk("ABCD", [1]), gray, end), "unknown critical chunk ABCD" },
            { "chunk before IHDR", CraftedPng.Build(CraftedPng.Chunk("tEXt", "a\0b"u8), CraftedPng.Ihdr(8, 8, colorType: 0), gray, end), "not IHDR" },
            { "chunk longer than the body", longChunk, "truncated" },
            { "no IEND", CraftedPng.Build(CraftedPng.Ihdr(8, 8, colorType: 0), gray), "without an IEND" },
            { "compression method 1", IhdrByte(CraftedPng.Build(CraftedPng.Ihdr(8, 8, colorType: 0), gray, end), 10, 1), "compression method 1" },
            { "bit depth 16 palette", CraftedPng.Build(CraftedPng.Ihdr(8, 8, bitDepth: 16, colorType: 3), plte, data, end), "not a valid combination" },
        };
    }

    /// <summary>Each lie libpng refuses (and ImageSharp reads its own way): refused, with the reason in the detail.</summary>
    [Theory]
    [MemberData(nameof(StructuralLies))]
    public void Read_StructureLibpngRefuses_IsRefused(string lie, byte[] png, string reason)
    {
        var verdict = Verdict.Of(png);

        verdict.AssertRefused(reason);
        Assert.False(string.IsNullOrEmpty(lie));
    }

    [Fact]
    public void Read_EveryPrefixBeforeTheIhdrEnds_AsksForMore_ThenGivesTheFacts()
    {
        var (png, _) = CraftedPng.Image(100, 50, Checker);
        for (var length = 0; length < 33; length++)
        {
            Assert.Equal(HeaderOutcome.NeedMoreData, ImageHeaders.Read(png.AsSpan(0, length), complete: false, png.Length, UploadLimits.Default).Outcome);
            Assert.Equal(HeaderOutcome.Refused, ImageHeaders.Read(png.AsSpan(0, length), complete: true, length, UploadLimits.Default).Outcome);
        }

        var facts = ImageHeaders.Read(png.AsSpan(0, 33), complete: false, png.Length, UploadLimits.Default).Facts;
        Assert.Equal((100, 50), (facts!.Width, facts.Height));
    }

    /// <summary>White or black by a hash of the position: compresses to about a bit a pixel, so the data spans several inflater reads.</summary>
    private static bool NoisyChecker(int x, int y) => (uint)((x * 73856093) ^ (y * 19349663)) % 7 < 3;

    private static byte[] IhdrByte(byte[] png, int offset, byte value)
    {
        png[16 + offset] = value;
        var crc = CraftedPng.Chunk("IHDR", png.AsSpan(16, 13));
        crc.AsSpan(21, 4).CopyTo(png.AsSpan(29));
        return png;
    }
}
