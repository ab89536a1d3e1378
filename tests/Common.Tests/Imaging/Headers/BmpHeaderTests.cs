using System.Buffers.Binary;
using ImageGateway.Common.Imaging.Headers;
using ImageGateway.Common.Problems;
using ImageGateway.TestSupport;
using Xunit.Abstractions;

namespace ImageGateway.Common.Tests.Imaging.Headers;

/// <summary>
/// The BMP header model against ImageSharp 2.1.13's real decode and Pillow (the BMP reference), on
/// hand-written bitmaps (<see cref="CraftedBmp"/>) and the corpus (BMP Suite).
/// </summary>
public sealed class BmpHeaderTests(ITestOutputHelper output) : HeaderReaderTests<BmpFacts>(output)
{
    /// <summary>Corpus BMPs refused although Pillow reads them, each for a reason where the decoders part.</summary>
    private static readonly Dictionary<string, string> RefusedThoughPillowReadsThem = new()
    {
        ["bmpsuite/g/pal4rle.bmp"] = "RLE4 absolute runs of odd length: Pillow 9.4 drops a pixel of each (481 white; ImageMagick and ImageSharp 999)",
        ["bmpsuite/q/pal4rletrns.bmp"] = "RLE4 absolute runs of odd length (and deltas)",
        ["bmpsuite/q/pal8rletrns.bmp"] = "RLE deltas: Pillow 9.4 reads two bytes too many (0 white; ImageMagick and ImageSharp 69)",
        ["bmpsuite/b/badrle.bmp"] = "a run crossing the end of a row",
        ["bmpsuite/b/pal8badindex.bmp"] = "palette indices beyond the table: ImageSharp fails, Pillow makes them gray",
    };

    public static TheoryData<string> CorpusBmps() => new(CorpusManifest.Paths(i => i.Extension == "bmp"));

    [Theory]
    [MemberData(nameof(CorpusBmps))]
    public void Read_CorpusBmp_CountedAsPillowOrRefusedWherePillowOrImageSharpDiffer(string path)
    {
        var image = CorpusManifest.Get(path);
        var bytes = File.ReadAllBytes(image.FullPath);
        var read = BmpHeader.Read(bytes, complete: true, bytes.Length);
        Output.WriteLine($"{path}: {read.Outcome} {read.Facts} {read.Detail}");

        if (image.PillowWhite is null)
        {
            Assert.Equal(HeaderOutcome.Refused, read.Outcome); // Pillow does not read it: neither do we
            return;
        }

        if (RefusedThoughPillowReadsThem.TryGetValue(path, out var reason))
        {
            Output.WriteLine(reason);
            Assert.Equal(ProblemTypes.CorruptImage, read.Problem);
            return;
        }

        // The manifest's counts are Pillow's (9.4, the same build), made by tests/corpus/make_manifest.py.
        var pillow = new PillowResult(image.Width!.Value, image.Height!.Value, image.PillowWhite.Value, null);
        AssertCountsAsPillowDoes(bytes, read, image.PillowWhite.Value, image.Width.Value, image.Height.Value, pillow);
    }

    [Fact]
    public void Read_RunLengthBmpWithGigabytePixelOffset_RefusedBeforeAnyAllocation()
    {
        // 58 bytes that make ImageSharp allocate a 1 GiB colour table with new byte[] (the case).
        var bytes = CraftedBmp.Build(new BmpSpec(4, 4, 8) { Compression = 1, Palette = [(0, 0, 0)], ColorsUsed = 0, RunLengthData = [0, 1], Offset = 1u << 30 }).Bytes;

        var read = BmpHeader.Read(bytes, complete: true, bytes.Length);

        AssertRefused(read, ProblemTypes.CorruptImage, "past the end");
        Assert.Equal(HeaderOutcome.Refused, BmpHeader.Read(bytes.AsSpan(0, 20), complete: false, bytes.Length).Outcome); // from a prefix, by Content-Length
        Assert.True(Pillow.Read(bytes).Refused);
    }

    [Fact]
    public void Read_PaletteSizedFromThePixelOffset_NormalisedAndCountedAsPillowDoes()
    {
        // No colour count and 64 spare bytes before the pixels: ImageSharp would take 20-byte entries.
        var (bytes, white) = CraftedBmp.Build(new BmpSpec(37, 11, 4) { ColorsUsed = 0, Gap = 64 });

        var read = BmpHeader.Read(bytes, complete: true, bytes.Length);

        var facts = Assert.IsType<BmpFacts>(read.Facts);
        Assert.True(facts.SetColorsUsed);
        var raw = DecodeCheck.Decode(bytes);
        Assert.NotEqual(white, raw.White); // what ImageSharp counts unnormalised
        AssertCountsAsPillowDoes(bytes, read, white, 37, 11);
    }

    [Fact]
    public void Read_ColourTableShorterThanTheBitDepth_NormalisedAndCountedAsPillowDoes()
    {
        // 8 bits, no colour count, 16 entries before the pixels: ImageSharp would take 3-byte entries.
        var (bytes, white) = CraftedBmp.Build(new BmpSpec(37, 11, 8) { ColorsUsed = 0, Palette = CraftedBmp.DefaultPalette(16), Pixel = (x, y) => (uint)((x * y) % 16) });

        var read = BmpHeader.Read(bytes, complete: true, bytes.Length);

        Assert.Equal(16, Assert.IsType<BmpFacts>(read.Facts).PaletteEntries);
        AssertCountsAsPillowDoes(bytes, read, white, 37, 11);
    }

    [Fact]
    public void Read_PaletteIndexBeyondTheTable_Refused()
    {
        var bytes = CraftedBmp.Build(new BmpSpec(8, 4, 8) { Palette = CraftedBmp.DefaultPalette(16), Pixel = (x, y) => x == 5 && y == 2 ? 255u : 1u }).Bytes;

        AssertRefused(BmpHeader.Read(bytes, complete: true, bytes.Length), ProblemTypes.CorruptImage, "palette index 255");
        Assert.False(Pillow.Read(bytes).Refused); // Pillow paints index 255 as gray 255: white
        Assert.NotNull(DecodeCheck.TryDecode(bytes).Error); // ImageSharp fails
    }

    [Theory]
    [InlineData(0)] // the last row stored, with its padding
    [InlineData(3)] // the last row stored, its 3 padding bytes cut off: both decoders still read it
    public void Read_PaletteIndexBeyondTheTableInTheLastRowStored_Refused(int paddingCut)
    {
        // Bottom-up rows: the top row (y 0) is stored last.
        var full = CraftedBmp.Build(new BmpSpec(13, 4, 8) { Palette = CraftedBmp.DefaultPalette(16), Pixel = (x, y) => x == 12 && y == 0 ? 200u : 1u }).Bytes;
        var bytes = full[..^paddingCut];

        AssertRefused(BmpHeader.Read(bytes, complete: true, bytes.Length), ProblemTypes.CorruptImage, "palette index 200");
        Assert.False(Pillow.Read(bytes).Refused); // Pillow paints index 200 as gray 200
    }

    [Fact]
    public void Read_PrefixWithAPaletteIndexBeyondTheTable_AcceptedAndLeftToTheWholeBodysRead()
    {
        // A prefix (the gateway's peek) is read up to the pixel data: the pass over the pixels is the backend's.
        var bytes = CraftedBmp.Build(new BmpSpec(8, 4, 8) { Palette = CraftedBmp.DefaultPalette(16), Pixel = (x, y) => x == 5 && y == 2 ? 255u : 1u }).Bytes;
        byte[] rle = [4, 1, 0, 0, 4, 9, 0, 1];
        var runLength = CraftedBmp.Build(new BmpSpec(4, 2, 8) { Compression = 1, Palette = CraftedBmp.DefaultPalette(4), RunLengthData = rle }).Bytes;

        Assert.Equal(HeaderOutcome.Accepted, BmpHeader.Read(bytes, complete: false, bytes.Length).Outcome);
        Assert.Equal(HeaderOutcome.Accepted, BmpHeader.Read(runLength, complete: false, runLength.Length).Outcome);
        AssertRefused(BmpHeader.Read(bytes, complete: true, bytes.Length), ProblemTypes.CorruptImage, "palette index 255");
        AssertRefused(BmpHeader.Read(runLength, complete: true, runLength.Length), ProblemTypes.CorruptImage, "palette index 9");
    }

    [Fact]
    public void Read_PrefixOfRunLengthDataShorterThanItsPixelsUncompressed_Accepted()
    {
        // 64x4 pixels in four runs: 18 bytes of run-length data where 256 bytes of raw pixels would be.
        byte[] rle = [64, 1, 0, 0, 64, 2, 0, 0, 64, 1, 0, 0, 64, 2, 0, 1];
        var bytes = CraftedBmp.Build(new BmpSpec(64, 4, 8) { Compression = 1, Palette = CraftedBmp.DefaultPalette(4), RunLengthData = rle }).Bytes;

        Assert.Equal(HeaderOutcome.Accepted, BmpHeader.Read(bytes, complete: false, bytes.Length).Outcome);
        Assert.Equal(HeaderOutcome.Accepted, BmpHeader.Read(bytes.AsSpan(0, bytes.Length - 4), complete: false, bytes.Length).Outcome);
        Assert.Equal(HeaderOutcome.Accepted, BmpHeader.Read(bytes, complete: true, bytes.Length).Outcome);
    }

    [Fact]
    public void Read_RunLengthIndexBeyondTheTable_Refused()
    {
        byte[] rle = [4, 1, 0, 0, 4, 9, 0, 1];
        var bytes = CraftedBmp.Build(new BmpSpec(4, 2, 8) { Compression = 1, Palette = CraftedBmp.DefaultPalette(4), RunLengthData = rle }).Bytes;

        AssertRefused(BmpHeader.Read(bytes, complete: true, bytes.Length), ProblemTypes.CorruptImage, "palette index 9");
    }

    [Fact]
    public void Read_BitmapArrayWrappingAnotherImage_RefusedAsUnsupported()
    {
        var (inner, _) = CraftedBmp.Build(new BmpSpec(64, 64, 24));
        byte[] arrayHeader = [(byte)'B', (byte)'A', 14, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0];
        var bytes = arrayHeader.Concat(inner).ToArray();

        AssertRefused(BmpHeader.Read(bytes, complete: true, bytes.Length), ProblemTypes.UnsupportedFormat, "bitmap array");
        Assert.True(Pillow.Read(bytes).Refused);
    }

    [Theory]
    [InlineData(0, "0 bits")]
    [InlineData(3, "3 bits")]
    [InlineData(30000, "30000 bits")]
    public void Read_ImpossibleBitCount_Refused(int bits, string detail)
    {
        var bytes = CraftedBmp.Build(new BmpSpec(8, 8, 24)).Bytes;
        BinaryPrimitives.WriteUInt16LittleEndian(bytes.AsSpan(28), (ushort)bits);

        AssertRefused(BmpHeader.Read(bytes, complete: true, bytes.Length), ProblemTypes.CorruptImage, detail);
        Assert.True(Pillow.Read(bytes).Refused);
    }

    [Theory]
    [InlineData(2)]
    [InlineData(64)]
    public void Read_BitDepthPillowDoesNotRead_RefusedAsUnsupported(int bits)
    {
        var bytes = CraftedBmp.Build(new BmpSpec(8, 8, 24)).Bytes;
        BinaryPrimitives.WriteUInt16LittleEndian(bytes.AsSpan(28), (ushort)bits);

        AssertRefused(BmpHeader.Read(bytes, complete: true, bytes.Length), ProblemTypes.UnsupportedFormat, $"{bits} bits");
    }

    [Theory]
    [InlineData(4u, "BI_JPEG")]
    [InlineData(5u, "BI_PNG")]
    [InlineData(6u, "BI_ALPHABITFIELDS")]
    public void Read_CompressionPillowDoesNotRead_RefusedAsUnsupported(uint compression, string detail)
    {
        var bytes = CraftedBmp.Build(new BmpSpec(8, 8, 32) { Compression = compression }).Bytes;

        AssertRefused(BmpHeader.Read(bytes, complete: true, bytes.Length), ProblemTypes.UnsupportedFormat, detail);
        Assert.True(Pillow.Read(bytes).Refused);
    }

    [Theory]
    [InlineData(16)]
    [InlineData(52)]
    [InlineData(56)]
    public void Read_InfoHeaderPillowDoesNotRead_RefusedAsUnsupported(int size)
    {
        var bytes = CraftedBmp.Build(new BmpSpec(8, 8, 24) { HeaderSize = size }).Bytes;

        AssertRefused(BmpHeader.Read(bytes, complete: true, bytes.Length), ProblemTypes.UnsupportedFormat, $"{size}-byte info header");
        Assert.True(Pillow.Read(bytes).Refused);
    }

    [Fact]
    public void Read_EveryCutOfUncompressedPixels_RefusedWhenCompleteUnlessOnlyRowPaddingIsMissing()
    {
        var bytes = CraftedBmp.Build(new BmpSpec(13, 7, 8)).Bytes;
        var known = 14 + 40 + 4 + 3; // headers and the colour of the second entry: white, so the table is no gray ramp
        var lastPixel = bytes.Length - 3; // the last row's 3 padding bytes may be missing: both decoders read it

        for (var cut = 0; cut < bytes.Length; cut++)
        {
            var asBody = BmpHeader.Read(bytes.AsSpan(0, cut), complete: true, cut);
            var asPrefix = BmpHeader.Read(bytes.AsSpan(0, cut), complete: false, bytes.Length);
            Assert.True(asBody.Outcome == (cut < lastPixel ? HeaderOutcome.Refused : HeaderOutcome.Accepted), $"cut at {cut}: {asBody.Outcome}");
            Assert.Equal(cut < known ? HeaderOutcome.NeedMoreData : HeaderOutcome.Accepted, asPrefix.Outcome);
        }

        Assert.True(Pillow.Read(bytes[..(lastPixel - 1)]).Refused);
        Assert.False(Pillow.Read(bytes[..lastPixel]).Refused);
        Assert.Equal((13, 7), (DecodeCheck.Decode(bytes[..lastPixel]).Width, 7));
    }

    public static TheoryData<string, byte[], int, long> ValidRunLengthData() => new()
    {
        // name, RLE8 data for a 6x3 bitmap (palette entry 1 white), white pixels (rows ended early are index 0, gray)
        { "encoded runs, every row ended", [6, 1, 0, 0, 3, 1, 3, 2, 0, 0, 6, 0, 0, 0, 0, 1], 3, 9 },
        { "absolute runs, padded", [0, 3, 1, 2, 1, 0, 3, 1, 0, 0, 0, 5, 1, 1, 1, 1, 1, 0, 1, 0, 0, 0, 6, 1, 0, 1], 3, 16 },
        { "rows ended early: the rest is index 0", [2, 1, 0, 0, 6, 1, 0, 0, 1, 1, 0, 0, 0, 1], 3, 9 },
        { "no end of bitmap after the last pixel", [6, 1, 0, 0, 6, 1, 0, 0, 6, 1], 3, 18 },
    };

    [Theory]
    [MemberData(nameof(ValidRunLengthData))]
    public void Read_RunLengthDataBothDecodersReadAlike_CountedAsPillowDoes(string name, byte[] rle, int height, long white)
    {
        var bytes = CraftedBmp.Build(new BmpSpec(6, height, 8) { Compression = 1, RunLengthData = rle }).Bytes;

        Output.WriteLine(name);
        AssertCountsAsPillowDoes(bytes, BmpHeader.Read(bytes, complete: true, bytes.Length), white, 6, height);
    }

    [Fact]
    public void Read_RunLengthRowsEndedEarlyWithWhiteFirstColour_CountedAsPillowDoes()
    {
        // Pillow fills a row ended early with index 0; so does ImageSharp configured as the product
        // configures it (its default paints them black). Entry 0 is white here, entry 1 dark.
        (byte, byte, byte)[] palette = [(255, 255, 255), (10, 20, 30)];
        byte[] rle = [2, 1, 0, 0, 5, 1, 0, 0, 0, 1];
        var bytes = CraftedBmp.Build(new BmpSpec(6, 2, 8) { Compression = 1, Palette = palette, RunLengthData = rle }).Bytes;

        AssertCountsAsPillowDoes(bytes, BmpHeader.Read(bytes, complete: true, bytes.Length), 5, 6, 2);
    }

    [Fact]
    public void Read_Rle4EvenAbsoluteRuns_CountedAsPillowDoes()
    {
        // 6x2, 4-bit: row 0 = absolute 1,1,0,1 then run of 2x white; row 1 = run of 6 alternating 1/0.
        byte[] rle = [0, 4, 0x11, 0x01, 2, 0x11, 0, 0, 6, 0x10, 0, 1];
        var bytes = CraftedBmp.Build(new BmpSpec(6, 2, 4) { Compression = 2, RunLengthData = rle }).Bytes;

        AssertCountsAsPillowDoes(bytes, BmpHeader.Read(bytes, complete: true, bytes.Length), 8, 6, 2);
    }

    public static TheoryData<string, byte[], uint, string> DivergentRunLengthData() => new()
    {
        { "a delta", [2, 1, 0, 2, 1, 1, 0, 0, 0, 1], 1, "delta" },
        { "a run crossing the end of a row", [8, 1, 0, 0, 0, 1], 1, "without an end of line" },
        { "a run after a full row without an end of line", [6, 1, 6, 1, 0, 0, 0, 1], 1, "without an end of line" },
        { "an end of bitmap before the last pixel", [6, 1, 0, 0, 0, 1], 1, "ends its bitmap" },
        { "an odd absolute run in RLE4", [0, 3, 0x11, 0x10, 3, 0x11, 0, 0, 6, 0x11, 0, 0, 6, 0x11, 0, 1], 2, "odd runs" },
        { "data cut short", [6, 1, 0, 0, 3, 1], 1, "truncated" },
    };

    [Theory]
    [MemberData(nameof(DivergentRunLengthData))]
    public void Read_RunLengthDataTheDecodersReadDifferently_Refused(string name, byte[] rle, uint compression, string detail)
    {
        var bytes = CraftedBmp.Build(new BmpSpec(6, 3, compression == 1 ? 8 : 4) { Compression = compression, RunLengthData = rle }).Bytes;

        Output.WriteLine(name);
        AssertRefused(BmpHeader.Read(bytes, complete: true, bytes.Length), ProblemTypes.CorruptImage, detail);
    }

    [Theory]
    [InlineData(40)]
    [InlineData(108)]
    [InlineData(124)]
    public void Read_ThirtyTwoBitPixelsWithSomethingInTheUnusedByte_NormalisedAndCountedAsPillowDoes(int headerSize)
    {
        // White pixels whose fourth byte is 0, 7 or 255: Pillow ignores it, ImageSharp reads it as alpha.
        var (bytes, white) = CraftedBmp.Build(new BmpSpec(9, 5, 32) { HeaderSize = headerSize, Pixel = (x, y) => (x % 3) switch { 0 => 0x00FFFFFF, 1 => 0x07FFFFFF, _ => 0xFF102030 } });

        var read = BmpHeader.Read(bytes, complete: true, bytes.Length);

        Assert.True(Assert.IsType<BmpFacts>(read.Facts).OpaqueFourthByte);
        Assert.NotEqual(white, DecodeCheck.Decode(bytes).White);
        AssertCountsAsPillowDoes(bytes, read, white, 9, 5);
    }

    public static TheoryData<string, int, int, uint[]> KnownMasks() => new()
    {
        { "16-bit 5-6-5", 16, 40, [0xF800, 0x7E0, 0x1F] },
        { "16-bit 5-5-5", 16, 40, [0x7C00, 0x3E0, 0x1F] },
        { "32-bit BGRX", 32, 40, [0xFF0000, 0xFF00, 0xFF] },
        { "32-bit XBGR", 32, 40, [0xFF000000, 0xFF0000, 0xFF00] },
        { "32-bit BGRA", 32, 124, [0xFF0000, 0xFF00, 0xFF, 0xFF000000] },
        { "32-bit RGBA", 32, 124, [0xFF, 0xFF00, 0xFF0000, 0xFF000000] },
        { "32-bit ABGR", 32, 108, [0xFF000000, 0xFF0000, 0xFF00, 0xFF] },
    };

    [Theory]
    [MemberData(nameof(KnownMasks))]
    public void Read_ChannelMasksPillowReads_CountedAsPillowDoes(string name, int bits, int headerSize, uint[] masks)
    {
        var (bytes, white) = CraftedBmp.Build(new BmpSpec(11, 6, bits)
        {
            HeaderSize = headerSize,
            Compression = 3,
            Masks = masks,
            Pixel = (x, y) => (x + y) % 3 == 0 ? uint.MaxValue : (x % 2 == 0 ? masks[0] | masks[1] : 0),
        });

        Output.WriteLine(name);
        AssertCountsAsPillowDoes(bytes, BmpHeader.Read(bytes, complete: true, bytes.Length), white, 11, 6);
    }

    [Theory]
    [InlineData(16, new uint[] { 0x1F, 0x7E0, 0xF800 })]
    [InlineData(16, new uint[] { 0xF00, 0xF0, 0xF })]
    [InlineData(32, new uint[] { 0xFFC00000, 0x3FF000, 0xFFC })]
    public void Read_ChannelMasksPillowDoesNotRead_RefusedAsUnsupported(int bits, uint[] masks)
    {
        var bytes = CraftedBmp.Build(new BmpSpec(8, 8, bits) { Compression = 3, Masks = masks }).Bytes;

        AssertRefused(BmpHeader.Read(bytes, complete: true, bytes.Length), ProblemTypes.UnsupportedFormat, "channel masks");
        Assert.True(Pillow.Read(bytes).Refused);
    }

    [Fact]
    public void Read_AllZeroChannelMasks_Refused()
    {
        // Pillow reads zero masks as BGRA; ImageSharp reads every channel as 0.
        var bytes = CraftedBmp.Build(new BmpSpec(8, 8, 32) { HeaderSize = 124, Compression = 3, Masks = [0, 0, 0, 0] }).Bytes;

        AssertRefused(BmpHeader.Read(bytes, complete: true, bytes.Length), ProblemTypes.UnsupportedFormat, "channel masks");
        Assert.NotEqual(Pillow.Read(bytes).White, DecodeCheck.Decode(bytes).White);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(4)]
    [InlineData(8)]
    [InlineData(16)]
    [InlineData(24)]
    public void Read_OldAndNewHeadersAndTopDownRows_CountedAsPillowDoes(int bits)
    {
        foreach (var headerSize in new[] { 12, 40, 64, 108, 124 })
        {
            foreach (var topDown in new[] { false, true })
            {
                if (headerSize == 12 && topDown)
                {
                    continue; // the core header has no sign for the height
                }

                var (bytes, white) = CraftedBmp.Build(new BmpSpec(21, 9, bits) { HeaderSize = headerSize, TopDown = topDown, ColorsUsed = headerSize == 12 ? null : 0 });
                Output.WriteLine($"{bits} bits, {headerSize}-byte header, top-down {topDown}");
                AssertCountsAsPillowDoes(bytes, BmpHeader.Read(bytes, complete: true, bytes.Length), white, 21, 9);
            }
        }
    }

    [Theory]
    [InlineData(2, "black and white")]
    [InlineData(16, "gray ramp")]
    public void Read_PaletteThatPillowMistakesForGray_RefusedAsUnsupported(int entries, string detail)
    {
        var palette = entries == 2 ? new (byte, byte, byte)[] { (0, 0, 0), (255, 255, 255) } : Enumerable.Range(0, 16).Select(i => ((byte)i, (byte)i, (byte)i)).ToArray();
        var bytes = CraftedBmp.Build(new BmpSpec(8, 4, entries == 2 ? 8 : 4) { Palette = palette, Pixel = (x, _) => entries == 2 ? (uint)(x % 2) : 15u }).Bytes;

        AssertRefused(BmpHeader.Read(bytes, complete: true, bytes.Length), ProblemTypes.UnsupportedFormat, detail);
        var pillow = Pillow.Read(bytes);
        var imageSharp = DecodeCheck.Decode(bytes);
        Output.WriteLine($"Pillow {pillow}, ImageSharp {imageSharp.White}");
        Assert.True(pillow.Refused || pillow.White != imageSharp.White, "the evidence: Pillow reads these pixels wrong");
    }

    [Theory]
    [InlineData(54u, "no room")]
    [InlineData(30u, "inside its headers")]
    [InlineData(100u, "runs past the start")]
    public void Read_PixelOffsetThatDisagreesWithTheHeaders_Refused(uint offset, string detail)
    {
        var bytes = CraftedBmp.Build(new BmpSpec(8, 4, 8) { Palette = CraftedBmp.DefaultPalette(16), Offset = offset }).Bytes;

        AssertRefused(BmpHeader.Read(bytes, complete: true, bytes.Length), ProblemTypes.CorruptImage, detail);
    }

    [Fact]
    public void Read_SideAtImageSharpsLimit_AcceptedAndOneOver_Refused()
    {
        var (atLimit, white) = CraftedBmp.Build(new BmpSpec(BmpHeader.MaxDimension, 1, 24));
        var over = CraftedBmp.Build(new BmpSpec(BmpHeader.MaxDimension + 1, 1, 24)).Bytes;

        AssertCountsAsPillowDoes(atLimit, BmpHeader.Read(atLimit, complete: true, atLimit.Length), white, BmpHeader.MaxDimension, 1);
        AssertRefused(BmpHeader.Read(over, complete: true, over.Length), ProblemTypes.CorruptImage, $"1 to {BmpHeader.MaxDimension}");
        Assert.NotNull(DecodeCheck.TryDecode(over).Error); // ImageSharp's VerifyDimensions throws
    }

    [Fact]
    public void BadNibbles_RandomPackedIndices_AnswersAsTheScalarReference()
    {
        var random = new Random(5);
        for (var n = 0; n < 20_000; n++)
        {
            var entries = random.Next(1, 16);
            var data = new byte[random.Next(0, 3 * System.Numerics.Vector<byte>.Count)];
            for (var i = 0; i < data.Length; i++)
            {
                // Mostly valid nibbles, now and then one at or past the table, in either half.
                var high = random.Next(40) == 0 ? random.Next(entries, 16) : random.Next(entries);
                var low = random.Next(40) == 0 ? random.Next(entries, 16) : random.Next(entries);
                data[i] = (byte)((high << 4) | low);
            }

            Assert.Equal(BmpHeader.BadNibblesScalar(data, entries), BmpHeader.BadNibbles(data, entries));
        }
    }

    [Fact]
    public void Normalise_BodyThatNeedsNothing_ReturnsTheSameMemory()
    {
        var bytes = CraftedBmp.Build(new BmpSpec(8, 8, 24)).Bytes;
        var facts = (BmpFacts)BmpHeader.Read(bytes, complete: true, bytes.Length).Facts!;

        Assert.True(System.Runtime.InteropServices.MemoryMarshal.TryGetArray(BmpNormaliser.Normalise(bytes, facts), out var segment) && ReferenceEquals(segment.Array, bytes));
    }

    [Fact]
    public void Normalise_AnotherBody_Throws()
    {
        var bytes = CraftedBmp.Build(new BmpSpec(8, 8, 32)).Bytes;
        var facts = (BmpFacts)BmpHeader.Read(bytes, complete: true, bytes.Length).Facts!;

        Assert.Throws<ArgumentException>(() => BmpNormaliser.Normalise(CraftedBmp.Build(new BmpSpec(9, 8, 32)).Bytes, facts));
    }

    public static TheoryData<string, int, int> MemoryCases()
    {
        var data = new TheoryData<string, int, int>();
        foreach (var kind in new[] { "1", "4", "8", "16", "24", "32", "32 bitfields", "rle8", "rle4" })
        {
            data.Add(kind, 1000, 750);
            data.Add(kind, 4001, 97);
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(MemoryCases))]
    public void DecoderBytes_CraftedBmp_BoundsTheAllocatorPeakAndEveryAllocation(string kind, int width, int height)
    {
        var bits = kind switch { "rle8" => 8, "rle4" => 4, "32 bitfields" => 32, _ => int.Parse(kind, System.Globalization.CultureInfo.InvariantCulture) };
        var spec = kind switch
        {
            "rle8" or "rle4" => new BmpSpec(width, height, bits) { Compression = kind == "rle8" ? 1u : 2u, RunLengthData = RunsOfEight(width, height, kind == "rle4") },
            "32 bitfields" => new BmpSpec(width, height, 32) { Compression = 3, Masks = [0xFF0000, 0xFF00, 0xFF] },
            _ => new BmpSpec(width, height, bits),
        };
        var bytes = CraftedBmp.Build(spec).Bytes;
        var facts = Assert.IsType<BmpFacts>(BmpHeader.Read(bytes, complete: true, bytes.Length).Facts);

        var decoded = DecodeCheck.Decode(DecodeCheck.Prepare(bytes, facts));
        var reservation = DecodeCheck.Reservation(facts, bytes.Length);
        var copy = facts.NeedsNormalising ? bytes.Length : 0; // the normalised body, held while decoding
        var allocated = decoded.Allocated + copy;

        Output.WriteLine($"{kind} {width}x{height}: peak {decoded.AllocatorPeak}, allocated {allocated} (normalised copy {copy}), reservation {reservation}");
        Assert.True(decoded.AllocatorPeak <= reservation, $"allocator peak {decoded.AllocatorPeak} > reservation {reservation}");
        Assert.True(allocated <= reservation, $"allocated {allocated} > reservation {reservation}");
        Assert.True(reservation <= (allocated * 1.5) + Common.Imaging.DecodeCostEstimator.FixedBytes, $"reservation {reservation} is far above the {allocated} allocated");
    }

    /// <summary>RLE data of runs of 8 pixels (index 1 and 0 in turn), each row ended, then end of bitmap.</summary>
    private static byte[] RunsOfEight(int width, int height, bool rle4)
    {
        var data = new List<byte>();
        for (var y = 0; y < height; y++)
        {
            for (var x = 0; x < width; x += 8)
            {
                data.AddRange([(byte)Math.Min(8, width - x), rle4 ? (byte)0x11 : (byte)((x / 8) % 2)]);
            }

            data.AddRange([0, 0]);
        }

        data.AddRange([0, 1]);
        return data.ToArray();
    }
}
