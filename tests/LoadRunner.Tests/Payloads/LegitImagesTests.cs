using ImageGateway.LoadRunner.Payloads;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;

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

    /// <summary>A plain per-pixel reference count, independent of the product's row-span counter.</summary>
    internal static long CountWhite(byte[] encoded)
    {
        using var image = Image.Load<Rgba32>(encoded);
        long white = 0;
        for (var y = 0; y < image.Height; y++)
        {
            for (var x = 0; x < image.Width; x++)
            {
                if (image[x, y] == new Rgba32(255, 255, 255, 255))
                {
                    white++;
                }
            }
        }

        return white;
    }
}
