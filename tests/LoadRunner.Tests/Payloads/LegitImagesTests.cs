using ImageGateway.LoadRunner.Payloads;
using ImageGateway.TestSupport;
using SixLabors.ImageSharp;

namespace ImageGateway.LoadRunner.Tests.Payloads;

public sealed class LegitImagesTests
{
    public static TheoryData<string, bool> Formats => new() { { "png", false }, { "png", true }, { "bmp", false }, { "gif", false } };

    [Theory]
    [MemberData(nameof(Formats))]
    public void Create_EachFormat_DecodesToTheConstructedWhiteCount(string format, bool withAlpha)
    {
        var size = new Size(97, 61);
        var payload = LegitImages.Create(size, format, withAlpha);

        // Expected by hand: the middle half of the width (48) times the middle third of the height (20).
        Assert.Equal(48 * 20, payload.Expectation.Count);
        Assert.Equal(payload.Expectation.Count, CountWhite(payload.Body));
    }

    [Fact]
    public void Create_AllSizesAndFormats_HaveDistinctNamesAndCountedExpectations()
    {
        var payloads = LegitImages.Create();

        Assert.Equal(LegitImages.Sizes.Count * 4, payloads.Count);
        Assert.Equal(payloads.Count, payloads.Select(p => p.Kind + p.Name).Distinct().Count());
        Assert.All(payloads, p => Assert.True(p.IsLegit && p.Expectation.Count > 0 && p.Expectation.Tolerance == 0));
    }

    /// <summary>ImageSharp's own decode to 8-bit RGBA and a plain count (TestSupport's reference), independent of the product's counter.</summary>
    internal static long CountWhite(byte[] encoded)
    {
        var decoded = ImageSharpDecode.Read(encoded);
        Assert.False(decoded.Failed, decoded.ToString());
        return decoded.White;
    }
}
