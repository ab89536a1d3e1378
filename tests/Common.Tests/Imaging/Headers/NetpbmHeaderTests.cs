using System.Text;
using ImageGateway.Common.Imaging.Headers;

namespace ImageGateway.Common.Tests.Imaging.Headers;

/// <summary>
/// Every Netpbm class of issue 10, crafted here, judged by the header model and checked against
/// ImageSharp's real decode (of what the backend hands it) and Pillow (<see cref="Verdict"/>). The
/// rule: a pixel is white when every sample equals maxval (a PBM bit is 0).
/// </summary>
public sealed class NetpbmHeaderTests
{
    private static byte[] Bytes(string header, params byte[] raster) => [.. Encoding.ASCII.GetBytes(header), .. raster];

    private static byte[] Text(string text) => Encoding.ASCII.GetBytes(text);

    public static TheoryData<string, byte[], long, NetpbmRewrite, bool> Counted() => new()
    {
        { "P5 maxval 255", Bytes("P5\n4 2\n255\n", 255, 0, 255, 7, 255, 255, 1, 2), 4, NetpbmRewrite.None, false },
        { "P6 maxval 255", Bytes("P6\n2 1\n255\n", 255, 255, 255, 255, 254, 255), 1, NetpbmRewrite.None, false },
        { "P4", Bytes("P4\n10 2\n", 0b0101_0000, 0b0100_0000, 0xFF, 0x00), 9, NetpbmRewrite.None, false },
        { "P5 maxval 100", Bytes("P5\n4 2\n100\n", 100, 0, 100, 7, 100, 100, 1, 2), 4, NetpbmRewrite.Maxval, true },
        // 255/15 is a whole factor: ImageSharp's integer brightness scaling happens to reach 255 here.
        { "P6 maxval 15", Bytes("P6\n2 1\n15\n", 15, 15, 15, 15, 14, 15), 1, NetpbmRewrite.Maxval, false },
        { "P2 maxval 100", Text("P2\n4 2\n100\n100 0 100 7\n100 100 1 2\n"), 4, NetpbmRewrite.Plain, true },
        { "P3 maxval 100", Text("P3\n2 1\n100\n100 100 100 100 0 100\n"), 1, NetpbmRewrite.Plain, true },
        { "P2 maxval 255", Text("P2 3 1 255 255 0 255"), 2, NetpbmRewrite.Plain, false },
        { "P1 with separators", Text("P1\n4 2\n0 1 0 1\n0 0 0 0\n"), 6, NetpbmRewrite.Plain, false },
        { "P1 digits without separators", Text("P1\n4 2\n0101\n0000\n"), 6, NetpbmRewrite.Plain, true },
        { "P2 comment inside a sample", Text("P2\n2 1\n255\n2#c\n55 # x\r 255\n"), 2, NetpbmRewrite.Plain, true },
        { "P5 raster starting with #", Bytes("P5\n4 2\n255\n", 35, 255, 255, 255, 255, 255, 1, 2), 5, NetpbmRewrite.RasterStart, true },
        { "P5 raster starting with LF", Bytes("P5\n4 2\n255\n", 10, 255, 255, 255, 255, 255, 1, 2), 5, NetpbmRewrite.RasterStart, true },
        { "P4 raster starting with LF", Bytes("P4\n8 2\n", 0x0A, 0x00), 14, NetpbmRewrite.RasterStart, true },
        { "header comment ended by CRLF", Bytes("P5\n# made on Windows\r\n4 2\n255\n", 255, 0, 255, 7, 255, 255, 1, 2), 4, NetpbmRewrite.None, false },
    };

    [Theory]
    [MemberData(nameof(Counted))]
    public void Read_NetpbmTheReferenceDecodersRead_IsCountedAsPillowCounts(string name, byte[] image, long white, NetpbmRewrite rewrite, bool imageSharpAloneDiffers)
    {
        var verdict = Verdict.Of(image);

        verdict.AssertCounted(white);
        Assert.Equal(rewrite, Assert.IsType<NetpbmFacts>(verdict.Read.Facts).Rewrite);
        if (imageSharpAloneDiffers)
        {
            // Evidence the rewrite is needed: ImageSharp alone answers something else.
            verdict.AssertImageSharpAloneDiffersFromPillow();
        }

        Assert.False(string.IsNullOrEmpty(name));
    }

    /// <summary>
    /// Maxval over 255: white only at maxval, as 16-bit PNG is white only at 65535. Pillow reduces to
    /// 8 bits (999 of 1000 rounds to 255), so its count is not the reference here (as the corpus
    /// README says of 16-bit images).
    /// </summary>
    [Fact]
    public void Read_SixteenBitMaxvalOtherThan65535_IsWhiteOnlyAtMaxval()
    {
        byte[] image = Bytes("P5\n3 1\n1000\n", 0x03, 0xE8, 0x03, 0xE7, 0x00, 0x00);

        var verdict = Verdict.Of(image);

        verdict.AssertCounted(1, pillowAgrees: false);
        Assert.Equal(2, verdict.Pillow.White);
    }

    [Fact]
    public void Read_Maxval65535_IsDecodedAsSentWithTheSixteenBitTest()
    {
        byte[] image = Bytes("P5\n2 1\n65535\n", 0xFF, 0xFF, 0xFF, 0xFE);

        var verdict = Verdict.Of(image);

        // Pillow clamps 16-bit gray to 8 bits, so 0xFFFE is white to it (corpus README): not the reference.
        verdict.AssertCounted(1, pillowAgrees: false);
        Assert.Equal(SampleDepth.Bits16, verdict.Read.Facts!.Depth);
    }

    public static TheoryData<string, byte[], string, bool> Refused() => new()
    {
        { "plain P1 cut short", Text("P1\n4 2\n0 1 0 1\n0 0\n"), "truncated", true },
        { "plain P2 cut short", Text("P2\n4 2\n255\n255 0 255 7\n255\n"), "truncated", true },
        { "plain sample over maxval", Text("P2\n2 1\n255\n300 255\n"), "over its maxval", true },
        { "binary sample over maxval", Bytes("P5\n2 1\n100\n", 200, 100), "over its maxval", false },
        { "binary raster cut short", Bytes("P5\n4 2\n255\n", 255, 0, 255, 7, 255), "truncated", true },
        { "comment ended by CR before header text", Bytes("P5\n# hello\r4 2\n255\n", 255, 0, 255, 7, 255, 255, 1, 2), "ended by CR", false },
        { "vertical tab in the header", Bytes("P5\n\v4 2\n255\n", 255, 0, 255, 7, 255, 255, 1, 2), "vertical tab", false },
        { "comment right after a digit", Bytes("P5\n4#c\n 2\n255\n", 255, 0, 255, 7, 255, 255, 1, 2), "comment right after a number", false },
        { "no whitespace after the magic", Bytes("P54 2\n255\n", 255, 0, 255, 7, 255, 255, 1, 2), "not followed by whitespace", true },
        { "maxval 0", Bytes("P5\n2 1\n0\n", 0, 0), "maxval 0", true },
        { "maxval 65536", Bytes("P5\n1 1\n65536\n", 0, 0, 0, 0), "maxval 65536", true },
        { "a number of 10 digits", Bytes("P5\n4294967297 1\n255\n", 0), "more than 9 digits", false },
        { "zero width", Bytes("P5\n0 1\n255\n", 0), "0x1 pixels", false },
        { "plain P1 with another digit", Text("P1\n2 1\n0 2\n"), "only 0, 1", true },
    };

    /// <summary>Refused with the reason; where Pillow refuses too it is said, else ImageSharp alone answers differently from Pillow.</summary>
    [Theory]
    [MemberData(nameof(Refused))]
    public void Read_NetpbmImageSharpReadsDifferently_IsRefused(string name, byte[] image, string reason, bool pillowRefuses)
    {
        var verdict = Verdict.Of(image);

        verdict.AssertRefused(reason);
        if (pillowRefuses)
        {
            Assert.True(verdict.Pillow.Refused, $"{name}: Pillow {verdict.Pillow}");
        }
        else
        {
            verdict.AssertImageSharpAloneDiffersFromPillow();
        }
    }

    [Fact]
    public void Read_EveryPrefixOfTheHeader_AsksForMore()
    {
        var image = Bytes("P5\n# a comment\n40 20\n255\n", new byte[800]);
        for (var length = 0; length < 25; length++)
        {
            Assert.Equal(HeaderOutcome.NeedMoreData, ImageHeaders.Read(image.AsSpan(0, length), complete: false, image.Length, UploadLimits.Default).Outcome);
        }

        var facts = ImageHeaders.Read(image.AsSpan(0, 32), complete: false, image.Length, UploadLimits.Default).Facts;
        Assert.Equal((40, 20), (facts!.Width, facts.Height));
    }
}
