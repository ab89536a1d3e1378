using ImageGateway.Backend.Counting;
using SixLabors.ImageSharp.PixelFormats;

namespace ImageGateway.Backend.Tests.Counting;

public sealed class WhitePixelCounterTests
{
    public static TheoryData<int> Widths()
    {
        var data = new TheoryData<int>();
        foreach (var w in new[] { 0, 1, 2, 3, 7, 8, 9, 10, 11, 15, 16, 17, 31, 32, 33, 34, 63, 65, 127, 1000, 4099, 8191 * 3 + 2 })
        {
            data.Add(w);
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Widths))]
    public void Count_Rgba32RowOfAnyWidth_MatchesScalarAndPlantedCount(int width)
    {
        var random = new Random(width);
        var row = new Rgba32[width];
        var planted = 0;
        for (var i = 0; i < width; i++)
        {
            switch (random.Next(4))
            {
                case 0:
                    row[i] = new Rgba32(255, 255, 255, 255);
                    planted++;
                    break;
                case 1:
                    // One channel short of white, in a random channel: must not count.
                    var c = new byte[] { 255, 255, 255, 255 };
                    c[random.Next(4)] = (byte)random.Next(255);
                    row[i] = new Rgba32(c[0], c[1], c[2], c[3]);
                    break;
                default:
                    row[i] = new Rgba32((byte)random.Next(256), (byte)random.Next(256), (byte)random.Next(256), (byte)random.Next(256));
                    planted += row[i] == new Rgba32(255, 255, 255, 255) ? 1 : 0;
                    break;
            }
        }

        Assert.Equal(planted, WhitePixelCounter.CountScalar(row));
        Assert.Equal(planted, WhitePixelCounter.Count(row));
    }

    [Theory]
    [MemberData(nameof(Widths))]
    public void Count_Rgba64RowOfAnyWidth_CountsOnlyFullSixteenBitWhite(int width)
    {
        var random = new Random(width + 1);
        var row = new Rgba64[width];
        var planted = 0;
        for (var i = 0; i < width; i++)
        {
            switch (random.Next(3))
            {
                case 0:
                    row[i] = new Rgba64(ushort.MaxValue, ushort.MaxValue, ushort.MaxValue, ushort.MaxValue);
                    planted++;
                    break;
                case 1:
                    // 0xFFFE would round to 0xFF at 8 bits; it is not white at 16.
                    row[i] = new Rgba64(ushort.MaxValue, 0xFFFE, ushort.MaxValue, ushort.MaxValue);
                    break;
                default:
                    row[i] = new Rgba64((ushort)random.Next(65536), ushort.MaxValue, ushort.MaxValue, ushort.MaxValue);
                    planted += row[i].R == ushort.MaxValue ? 1 : 0;
                    break;
            }
        }

        Assert.Equal(planted, WhitePixelCounter.CountScalar(row));
        Assert.Equal(planted, WhitePixelCounter.Count(row));
    }

    [Theory]
    [MemberData(nameof(Widths))]
    public void Count_Rgb24RowOfAnyWidth_MatchesScalarAndPlantedCount(int width)
    {
        var random = new Random(width + 2);
        var row = new Rgb24[width];
        var planted = 0;
        for (var i = 0; i < width; i++)
        {
            switch (random.Next(4))
            {
                case 0:
                    row[i] = new Rgb24(255, 255, 255);
                    planted++;
                    break;
                case 1:
                    // Two white channels: with a white neighbour, three 0xFF bytes in a row straddle
                    // two pixels, which must not count.
                    var c = new byte[] { 255, 255, 255 };
                    c[random.Next(3)] = (byte)random.Next(255);
                    row[i] = new Rgb24(c[0], c[1], c[2]);
                    break;
                default:
                    row[i] = new Rgb24((byte)random.Next(256), (byte)random.Next(256), (byte)random.Next(256));
                    planted += row[i] == new Rgb24(255, 255, 255) ? 1 : 0;
                    break;
            }
        }

        Assert.Equal(planted, WhitePixelCounter.CountScalar(row));
        Assert.Equal(planted, WhitePixelCounter.Count(row));
    }

    [Theory]
    [MemberData(nameof(Widths))]
    public void Count_Rgb24RowOfStraddlingWhiteBytes_CountsNoPixel(int width)
    {
        // 255,255 | 255,0,255 | 255,... : every run of three 0xFF bytes crosses a pixel boundary.
        var row = new Rgb24[width];
        Array.Fill(row, new Rgb24(0, 255, 255));
        for (var i = 0; i < width; i += 2)
        {
            row[i] = new Rgb24(255, 255, 0);
        }

        Assert.Equal(0, WhitePixelCounter.CountScalar(row));
        Assert.Equal(0, WhitePixelCounter.Count(row));
    }

    [Theory]
    [MemberData(nameof(Widths))]
    public void Count_L8RowOfAnyWidth_MatchesScalarAndPlantedCount(int width)
    {
        var random = new Random(width + 3);
        var row = new L8[width];
        var planted = 0;
        for (var i = 0; i < width; i++)
        {
            row[i] = new L8(random.Next(3) == 0 ? byte.MaxValue : (byte)random.Next(255));
            planted += row[i].PackedValue == byte.MaxValue ? 1 : 0;
        }

        Assert.Equal(planted, WhitePixelCounter.CountScalar(row));
        Assert.Equal(planted, WhitePixelCounter.Count(row));
    }

    [Fact]
    public void Count_AllWhiteLongRowsOfEveryType_CountEveryPixel()
    {
        // Longer than the 255-vector flush interval of byte lanes, and not a multiple of any vector.
        const int Width = 100_003;
        var gray = new L8[Width];
        Array.Fill(gray, new L8(byte.MaxValue));
        var rgb = new Rgb24[Width];
        Array.Fill(rgb, new Rgb24(255, 255, 255));
        var rgba64 = new Rgba64[Width];
        Array.Fill(rgba64, new Rgba64(ushort.MaxValue, ushort.MaxValue, ushort.MaxValue, ushort.MaxValue));

        Assert.Equal(Width, WhitePixelCounter.Count(gray));
        Assert.Equal(Width, WhitePixelCounter.Count(rgb));
        Assert.Equal(Width, WhitePixelCounter.Count(rgba64));
    }

    [Fact]
    public void Count_AllWhiteLongRow_CountsEveryPixel()
    {
        var row = new Rgba32[100_003];
        Array.Fill(row, new Rgba32(255, 255, 255, 255));

        Assert.Equal(100_003, WhitePixelCounter.Count(row));
    }
}
