using SixLabors.ImageSharp;
using SixLabors.ImageSharp.Formats;
using SixLabors.ImageSharp.Formats.Bmp;
using SixLabors.ImageSharp.Formats.Gif;
using SixLabors.ImageSharp.Formats.Jpeg;
using SixLabors.ImageSharp.Formats.Png;
using SixLabors.ImageSharp.Formats.Webp;
using SixLabors.ImageSharp.PixelFormats;

namespace ImageGateway.TestSupport;

/// <summary>The encodings <see cref="GeneratedImages"/> can produce.</summary>
public enum GeneratedKind
{
    PngRgb,
    PngRgba,
    PngGray,
    PngPalette,
    Png16,
    PngInterlaced,
    JpegBaseline420,
    JpegBaseline444,
    JpegGray,
    JpegProgressive,
    JpegProgressiveGray,
    Gif,
    WebpLossy,
    WebpLossless,
    Bmp24,
    Bmp8,
}

/// <summary>
/// Large test images whose white-pixel count is known by construction: aligned 16x16 blocks that are
/// either pure white or gray noise that is never white (every sample at most 200), encoded with
/// ImageSharp's encoders (lossy ones at full quality, which keep flat aligned blocks exact) or, for
/// progressive JPEG, by <see cref="CraftedJpeg"/>. The noise makes bodies realistically large.
/// </summary>
public static class GeneratedImages
{
    /// <summary>Creates a <paramref name="width"/> x <paramref name="height"/> image of <paramref name="kind"/>.</summary>
    public static (byte[] Bytes, long WhitePixels) Create(GeneratedKind kind, int width, int height, int seed = 1)
    {
        if (kind is GeneratedKind.JpegProgressive or GeneratedKind.JpegProgressiveGray)
        {
            return CraftedJpeg.Build(CraftedJpeg.ProgressiveDcOnly(width, height, kind == GeneratedKind.JpegProgressive ? 3 : 1, (bx, by) => IsWhiteBlock(bx / 2, by / 2, seed)));
        }

        var random = new Random(seed);
        using var image = DrawBlocks(width, height, (bx, by) => IsWhiteBlock(bx, by, seed), () =>
        {
            var v = (byte)random.Next(201);
            return new Rgba32(v, v, v, kind == GeneratedKind.PngRgba ? (byte)random.Next(256) : (byte)255);
        }, out var white);

        using var ms = new MemoryStream();
        image.Save(ms, Encoder(kind));
        return (ms.ToArray(), white);
    }

    /// <summary>
    /// A picture of 16x16 blocks, pure white where <paramref name="isWhiteBlock"/> says (by block
    /// column and row), else pixels from <paramref name="other"/> (called in row order for every
    /// non-white pixel; it must never give white); <paramref name="white"/> is the white count.
    /// </summary>
    public static Image<Rgba32> DrawBlocks(int width, int height, Func<int, int, bool> isWhiteBlock, Func<Rgba32> other, out long white)
    {
        var image = new Image<Rgba32>(width, height);
        long count = 0;
        image.ProcessPixelRows(rows =>
        {
            for (var y = 0; y < rows.Height; y++)
            {
                var row = rows.GetRowSpan(y);
                for (var x = 0; x < row.Length; x++)
                {
                    if (isWhiteBlock(x / 16, y / 16))
                    {
                        row[x] = new Rgba32(255, 255, 255, 255);
                        count++;
                    }
                    else
                    {
                        row[x] = other();
                    }
                }
            }
        });
        white = count;
        return image;
    }

    /// <summary>About 40% of blocks are white, scattered.</summary>
    private static bool IsWhiteBlock(int bx, int by, int seed) => (((bx * 7) + (by * 13) + seed) % 5) < 2;

    private static IImageEncoder Encoder(GeneratedKind kind) => kind switch
    {
        GeneratedKind.PngRgb => new PngEncoder { ColorType = PngColorType.Rgb, BitDepth = PngBitDepth.Bit8 },
        GeneratedKind.PngRgba => new PngEncoder { ColorType = PngColorType.RgbWithAlpha, BitDepth = PngBitDepth.Bit8 },
        GeneratedKind.PngGray => new PngEncoder { ColorType = PngColorType.Grayscale, BitDepth = PngBitDepth.Bit8 },
        GeneratedKind.PngPalette => new PngEncoder { ColorType = PngColorType.Palette, BitDepth = PngBitDepth.Bit8 },
        GeneratedKind.Png16 => new PngEncoder { ColorType = PngColorType.Rgb, BitDepth = PngBitDepth.Bit16 },
        GeneratedKind.PngInterlaced => new PngEncoder { ColorType = PngColorType.Rgb, BitDepth = PngBitDepth.Bit8, InterlaceMethod = PngInterlaceMode.Adam7 },
        GeneratedKind.JpegBaseline420 => new JpegEncoder { Quality = 100, ColorType = JpegColorType.YCbCrRatio420 },
        GeneratedKind.JpegBaseline444 => new JpegEncoder { Quality = 100, ColorType = JpegColorType.YCbCrRatio444 },
        GeneratedKind.JpegGray => new JpegEncoder { Quality = 100, ColorType = JpegColorType.Luminance },
        GeneratedKind.Gif => new GifEncoder(),
        GeneratedKind.WebpLossy => new WebpEncoder { FileFormat = WebpFileFormatType.Lossy, Quality = 100 },
        GeneratedKind.WebpLossless => new WebpEncoder { FileFormat = WebpFileFormatType.Lossless },
        GeneratedKind.Bmp24 => new BmpEncoder { BitsPerPixel = BmpBitsPerPixel.Pixel24 },
        GeneratedKind.Bmp8 => new BmpEncoder { BitsPerPixel = BmpBitsPerPixel.Pixel8 },
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, null),
    };
}
