using ImageGateway.Backend.Kernels;
using SixLabors.ImageSharp.PixelFormats;

namespace ImageGateway.Backend.Tests.Kernels;

public sealed class WhiteMaskKernelsTests
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
    public void Mark_Rgba32RowOfAnyWidth_MarksExactlyThePlantedWhitePixels(int width)
    {
        var random = new Random(width);
        var row = new Rgba32[width];
        var expected = new byte[width];
        for (var i = 0; i < width; i++)
        {
            switch (random.Next(4))
            {
                case 0:
                    row[i] = new Rgba32(255, 255, 255, 255);
                    expected[i] = 0xFF;
                    break;
                case 1:
                    // One channel short of white, in a random channel: must not be marked.
                    var c = new byte[] { 255, 255, 255, 255 };
                    c[random.Next(4)] = (byte)random.Next(255);
                    row[i] = new Rgba32(c[0], c[1], c[2], c[3]);
                    break;
                default:
                    row[i] = new Rgba32((byte)random.Next(256), (byte)random.Next(256), (byte)random.Next(256), (byte)random.Next(256));
                    expected[i] = row[i] == new Rgba32(255, 255, 255, 255) ? (byte)0xFF : (byte)0;
                    break;
            }
        }

        AssertMarks(expected, mask => WhiteMaskKernels.MarkScalar(row, mask), mask => WhiteMaskKernels.Mark(row, mask));
    }

    [Theory]
    [MemberData(nameof(Widths))]
    public void Mark_Rgba64RowOfAnyWidth_MarksOnlyFullSixteenBitWhite(int width)
    {
        var random = new Random(width + 1);
        var row = new Rgba64[width];
        var expected = new byte[width];
        for (var i = 0; i < width; i++)
        {
            switch (random.Next(3))
            {
                case 0:
                    row[i] = new Rgba64(ushort.MaxValue, ushort.MaxValue, ushort.MaxValue, ushort.MaxValue);
                    expected[i] = 0xFF;
                    break;
                case 1:
                    // 0xFFFE would round to 0xFF at 8 bits; it is not white at 16.
                    var c = new[] { ushort.MaxValue, ushort.MaxValue, ushort.MaxValue, ushort.MaxValue };
                    c[random.Next(4)] = 0xFFFE;
                    row[i] = new Rgba64(c[0], c[1], c[2], c[3]);
                    break;
                default:
                    row[i] = new Rgba64((ushort)random.Next(65536), ushort.MaxValue, ushort.MaxValue, ushort.MaxValue);
                    expected[i] = row[i].R == ushort.MaxValue ? (byte)0xFF : (byte)0;
                    break;
            }
        }

        AssertMarks(expected, mask => WhiteMaskKernels.MarkScalar(row, mask), mask => WhiteMaskKernels.Mark(row, mask));
    }

    [Fact]
    public void Mark_MaskShorterThanTheRow_Throws()
    {
        Assert.Throws<ArgumentException>(() => WhiteMaskKernels.Mark(new Rgba32[70], new byte[69]));
        Assert.Throws<ArgumentException>(() => WhiteMaskKernels.Mark(new Rgba64[70], new byte[69]));
    }

    [Theory]
    [MemberData(nameof(Widths))]
    public void Count_MaskRowOfAnyWidth_MatchesScalarAndPlantedCount(int width)
    {
        var random = new Random(width + 3);
        var row = new WhiteMask<Rgba32>[width];
        var planted = 0;
        for (var i = 0; i < width; i++)
        {
            var white = random.Next(3) == 0;
            row[i] = new WhiteMask<Rgba32> { PackedValue = white ? WhiteMask<Rgba32>.WhiteByte : (byte)0 };
            planted += white ? 1 : 0;
        }

        Assert.Equal(planted, WhiteMaskKernels.CountScalar<Rgba32>(row));
        Assert.Equal(planted, WhiteMaskKernels.Count<Rgba32>(row));
    }

    [Fact]
    public void Count_AllWhiteLongRow_CountsEveryPixel()
    {
        // Longer than the 255-vector flush interval of byte lanes, and not a multiple of any vector.
        var row = new WhiteMask<Rgba64>[100_003];
        Array.Fill(row, new WhiteMask<Rgba64> { PackedValue = WhiteMask<Rgba64>.WhiteByte });

        Assert.Equal(100_003, WhiteMaskKernels.Count<Rgba64>(row));
    }

    private static void AssertMarks(byte[] expected, Action<byte[]> scalar, Action<byte[]> vectorised)
    {
        // One byte of slack past the row: the kernels must not write beyond the pixels they were given.
        var fromScalar = new byte[expected.Length + 1];
        var fromVectors = new byte[expected.Length + 1];
        fromScalar[^1] = fromVectors[^1] = 0x5A;
        scalar(fromScalar);
        vectorised(fromVectors);

        Assert.Equal([.. expected, (byte)0x5A], fromScalar);
        Assert.Equal([.. expected, (byte)0x5A], fromVectors);
    }
}
