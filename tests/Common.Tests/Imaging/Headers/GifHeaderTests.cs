using ImageGateway.Common.Imaging.Headers;
using ImageGateway.TestSupport;

namespace ImageGateway.Common.Tests.Imaging.Headers;

/// <summary>
/// Every GIF class of issue 10, crafted here, judged by the header model and checked against
/// ImageSharp's real decode and Pillow (<see cref="Verdict"/>). ImageSharp 2.1.13 decodes the first
/// frame onto an image the size of the logical screen.
/// </summary>
public sealed class GifHeaderTests
{
    private static readonly byte[][] BlackWhite = [CraftedGif.Black, CraftedGif.White];
    private static readonly byte[][] WhiteBlack = [CraftedGif.White, CraftedGif.Black];

    private static int Alternate(int x, int y) => (x + y) % 2;

    [Fact]
    public void Read_FrameCoveringTheScreen_CountsAsImageSharpAndPillowDo()
    {
        var gif = CraftedGif.Build(8, 8, BlackWhite, (0, 0, 8, 8), Alternate);

        var verdict = Verdict.Of(gif);

        verdict.AssertCounted(32);
        Assert.Equal((8, 8), (verdict.Read.Facts!.Width, verdict.Read.Facts.Height));
    }

    [Theory]
    [InlineData(6, 6, 4, 4)] // outside
    [InlineData(0, 0, 10, 10)] // larger
    [InlineData(0, 7, 8, 2)] // one row past the bottom
    public void Read_FrameLargerThanOrOutsideTheScreen_IsRefused_WherePillowGrowsTheImage(int left, int top, int width, int height)
    {
        var gif = CraftedGif.Build(8, 8, BlackWhite, (left, top, width, height), Alternate);

        var verdict = Verdict.Of(gif);

        verdict.AssertRefused("does not lie within its 8x8 logical screen");
        verdict.AssertImageSharpAloneDiffersFromPillow();
        Assert.Equal((Math.Max(8, left + width), Math.Max(8, top + height)), (verdict.Pillow.Width, verdict.Pillow.Height));
    }

    /// <summary>The uncovered screen: ImageSharp black, Pillow palette entry 0. Refused only when that is white without transparency.</summary>
    [Fact]
    public void Read_SmallFrameWhoseBackgroundEntryIsWhite_IsRefused()
    {
        var gif = CraftedGif.Build(8, 8, WhiteBlack, (2, 2, 4, 4), Alternate);

        var verdict = Verdict.Of(gif);

        verdict.AssertRefused("uncovered");
        verdict.AssertImageSharpAloneDiffersFromPillow();
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Read_SmallFrameWhereDecodersAgreeOnTheBackground_IsCounted(bool whiteEntryZeroButTransparent)
    {
        var gif = whiteEntryZeroButTransparent
            ? CraftedGif.Build(8, 8, WhiteBlack, (2, 2, 4, 4), (x, y) => (x + y) % 3 == 0 ? 0 : 1, transparentIndex: 1)
            : CraftedGif.Build(8, 8, BlackWhite, (2, 2, 4, 4), Alternate);

        // Transparent index 1: the 0s are white, the 1s and the uncovered screen transparent.
        Verdict.Of(gif).AssertCounted(whiteEntryZeroButTransparent ? 6 : 8);
    }

    /// <summary>Indices beyond the table: ImageSharp clamps to the last entry (white here), Pillow shows gray (i,i,i).</summary>
    [Theory]
    [InlineData(2, 3)]
    [InlineData(8, 200)]
    public void Prepare_IndexBeyondTheColourTable_IsRefused(int minCodeSize, int index)
    {
        var gif = CraftedGif.Build(8, 8, BlackWhite, (0, 0, 8, 8), (x, y) => (x + y) % 3 == 0 ? index : 0, minCodeSize: minCodeSize);

        var verdict = Verdict.Of(gif);

        verdict.AssertRefused($"uses palette index {index}, beyond its 2-entry colour table");
        verdict.AssertImageSharpAloneDiffersFromPillow();
    }

    [Fact]
    public void Prepare_NoColourTableAndIndex255_IsRefused_ButLowerIndicesAreCounted()
    {
        var white = CraftedGif.Build(8, 8, null, (0, 0, 8, 8), (x, y) => (x + y) % 3 == 0 ? 255 : 0, minCodeSize: 8);
        var dark = CraftedGif.Build(8, 8, null, (0, 0, 8, 8), (x, y) => (x + y) % 3 == 0 ? 254 : 0, minCodeSize: 8);

        var refused = Verdict.Of(white);
        refused.AssertRefused("no colour table and uses index 255");
        refused.AssertImageSharpAloneDiffersFromPillow();
        Verdict.Of(dark).AssertCounted(0);
    }

    /// <summary>LZW data that ends before the frame is full: ImageSharp fills index 0, Pillow refuses.</summary>
    [Fact]
    public void Prepare_ImageDataShorterThanTheFrame_IsRefused()
    {
        var gif = CraftedGif.Build(8, 8, WhiteBlack, (0, 0, 8, 8), Alternate, imageData: CraftedGif.Lzw(Enumerable.Repeat(1, 20).ToList(), 2));

        var verdict = Verdict.Of(gif);

        verdict.AssertRefused("ends after 20 of its 64 pixels");
        Assert.True(verdict.Pillow.Refused, verdict.Pillow.ToString());
        verdict.AssertImageSharpAloneDiffersFromPillow();
    }

    /// <summary>ImageSharp moves on one interlace pass a row, so frames 2-4 rows high go out of place; 1 and 5+ are right.</summary>
    [Theory]
    [InlineData(2, false)]
    [InlineData(3, false)]
    [InlineData(4, false)]
    [InlineData(1, true)]
    [InlineData(5, true)]
    [InlineData(9, true)]
    public void Read_InterlacedFrame_IsRefusedOnlyWhereImageSharpMisplacesRows(int height, bool counted)
    {
        var gif = CraftedGif.Build(4, height, BlackWhite, (0, 0, 4, height), (x, y) => y == height - 1 ? 1 : 0, interlaced: true);

        var verdict = Verdict.Of(gif);

        if (counted)
        {
            verdict.AssertCounted(4);
            return;
        }

        verdict.AssertRefused("interlaced");
        verdict.AssertImageSharpAloneDiffersFromPillow();
    }

    public static TheoryData<string, byte[], string> BlockLies() => new()
    {
        { "graphic control extension of 5 bytes", CraftedGif.Build(8, 8, BlackWhite, (0, 0, 8, 8), Alternate, beforeFrame: [0x21, 0xF9, 0x05, 0, 0, 0, 0, 0, 0]), "graphic control extension" },
        { "two graphic control extensions", CraftedGif.Build(8, 8, BlackWhite, (0, 0, 8, 8), Alternate, transparentIndex: 1, beforeFrame: [0x21, 0xF9, 0x04, 0x00, 0, 0, 0, 0]), "two graphic control extensions" },
        { "unknown extension label", CraftedGif.Build(8, 8, BlackWhite, (0, 0, 8, 8), Alternate, beforeFrame: [0x21, 0x42, 0x02, 0x2C, 0x3B, 0x00]), "unknown label 0x42" },
        { "NETSCAPE block without its terminator", CraftedGif.Build(8, 8, BlackWhite, (0, 0, 8, 8), Alternate, beforeFrame: [0x21, 0xFF, 11, .. "NETSCAPE2.0"u8, 3, 1, 0, 0, 2, 0, 0, 0]), "3-byte sub-block" },
        { "minimum code size 9", CraftedGif.Build(8, 8, BlackWhite, (0, 0, 8, 8), Alternate, minCodeSize: 9), "minimum code size 9" },
        { "minimum code size 1", CraftedGif.Build(8, 8, BlackWhite, (0, 0, 8, 8), Alternate, imageData: [0x01, 0x00], minCodeSize: 1), "minimum code size 1" },
        { "zero screen", CraftedGif.Build(0, 8, BlackWhite, (0, 0, 1, 1), Alternate), "logical screen is 0x8" },
        { "zero frame", CraftedGif.Build(8, 8, BlackWhite, (0, 0, 0, 8), Alternate), "first frame is 0x8" },
        { "zero byte before the frame", CraftedGif.Build(8, 8, BlackWhite, (0, 0, 8, 8), Alternate, beforeFrame: [0x00]), "zero byte" },
        { "trailer before the frame", CraftedGif.Build(8, 8, BlackWhite, (0, 0, 8, 8), Alternate, beforeFrame: [0x3B]), "before its first frame" },
    };

    [Theory]
    [MemberData(nameof(BlockLies))]
    public void Read_BlockImageSharpReadsDifferently_IsRefused(string lie, byte[] gif, string reason)
    {
        Verdict.Of(gif).AssertRefused(reason);
        Assert.False(string.IsNullOrEmpty(lie));
    }

    [Fact]
    public void Read_StrayBytesBetweenBlocks_AreSkippedAsImageSharpAndPillowDo()
    {
        var gif = CraftedGif.Build(8, 8, BlackWhite, (0, 0, 8, 8), Alternate, beforeFrame: [0x42, 0x43]);

        Verdict.Of(gif).AssertCounted(32);
    }

    [Fact]
    public void Read_BodyCutInsideTheFirstFrame_IsRefusedWhenComplete_AndAcceptedAsAPrefix()
    {
        var gif = CraftedGif.Build(64, 64, BlackWhite, (0, 0, 64, 64), Alternate);
        var cut = gif[..(gif.Length / 2)];

        Assert.Contains("truncated", ImageHeaders.Read(cut, complete: true, cut.Length, UploadLimits.Default).Detail, StringComparison.Ordinal);
        Assert.Equal(HeaderOutcome.Accepted, ImageHeaders.Read(cut, complete: false, gif.Length, UploadLimits.Default).Outcome);
        for (var length = 0; length < 13 + 6 + 11; length++)
        {
            Assert.Equal(HeaderOutcome.NeedMoreData, ImageHeaders.Read(gif.AsSpan(0, length), complete: false, gif.Length, UploadLimits.Default).Outcome);
        }
    }
}
