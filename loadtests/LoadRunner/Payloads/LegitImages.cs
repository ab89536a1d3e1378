using SixLabors.ImageSharp;
using SixLabors.ImageSharp.Formats;
using SixLabors.ImageSharp.Formats.Bmp;
using SixLabors.ImageSharp.Formats.Gif;
using SixLabors.ImageSharp.Formats.Png;
using SixLabors.ImageSharp.PixelFormats;
using SixLabors.ImageSharp.Processing.Processors.Quantization;

namespace ImageGateway.LoadRunner.Payloads;

/// <summary>
/// Ordinary images of mixed sizes and lossless formats, drawn row by row so that the number of
/// exactly-white pixels is known by construction: a white rectangle on a dark background, plus
/// near-white traps (254,255,255) and, where the format has alpha, white at alpha 254 and 0, which
/// must not be counted.
/// </summary>
public static class LegitImages
{
    public static readonly Rgba32 Background = new(20, 30, 40, 255);
    public static readonly Rgba32 White = new(255, 255, 255, 255);
    public static readonly Rgba32 NearWhite = new(254, 255, 255, 255);

    /// <summary>
    /// GIF's near-white trap: ImageSharp 2.1's palette lookup caches by the top 5 bits of each channel,
    /// so 254 would be encoded as 255; 240 is the nearest value that survives encoding exactly.
    /// </summary>
    public static readonly Rgba32 GifNearWhite = new(240, 255, 255, 255);
    public static readonly Rgba32 AlmostOpaqueWhite = new(255, 255, 255, 254);
    public static readonly Rgba32 TransparentWhite = new(255, 255, 255, 0);

    /// <summary>The sizes drawn, small to full HD, so decode cost varies as real uploads do.</summary>
    public static IReadOnlyList<Size> Sizes { get; } = [new(64, 48), new(320, 240), new(640, 480), new(1024, 768), new(1920, 1080)];

    /// <summary>Every size in every format: PNG (RGB and RGBA), 24-bit BMP and palette GIF.</summary>
    public static IReadOnlyList<Payload> Create()
    {
        var payloads = new List<Payload>();
        foreach (var size in Sizes)
        {
            payloads.Add(Create(size, "png", withAlpha: false));
            payloads.Add(Create(size, "png", withAlpha: true));
            payloads.Add(Create(size, "bmp", withAlpha: false));
            payloads.Add(Create(size, "gif", withAlpha: false));
        }

        return payloads;
    }

    /// <summary>One image of <paramref name="size"/> encoded as <paramref name="format"/>.</summary>
    public static Payload Create(Size size, string format, bool withAlpha)
    {
        using var image = Draw(size, withAlpha, out var expectedWhite, format == "gif" ? GifNearWhite : NearWhite);
        var (encoder, contentType) = format switch
        {
            "png" => ((IImageEncoder)new PngEncoder { ColorType = withAlpha ? PngColorType.RgbWithAlpha : PngColorType.Rgb }, "image/png"),
            "bmp" => (new BmpEncoder { BitsPerPixel = BmpBitsPerPixel.Pixel24 }, "image/bmp"),
            "gif" => (new GifEncoder { Quantizer = ExactPalette() }, "image/gif"),
            _ => throw new ArgumentOutOfRangeException(nameof(format), format, "png, bmp or gif"),
        };
        using var stream = new MemoryStream();
        image.Save(stream, encoder);
        var name = $"{size.Width}x{size.Height}{(withAlpha ? "-rgba" : string.Empty)}.{format}";
        return new Payload($"legit/{format}", name, stream.ToArray(), contentType, Expectation.Counted(expectedWhite));
    }

    /// <summary>
    /// Draws the image. The white rectangle is the middle half of the width and the middle third of
    /// the height; its area is the expected count. The row under it is near-white, and with alpha the
    /// row above is white at alpha 254 and the first row is transparent white.
    /// </summary>
    public static Image<Rgba32> Draw(Size size, bool withAlpha, out long expectedWhite, Rgba32? nearWhite = null)
    {
        var (x0, width) = (size.Width / 4, size.Width / 2);
        var (y0, height) = (size.Height / 3, size.Height / 3);
        expectedWhite = (long)width * height;

        var image = new Image<Rgba32>(size.Width, size.Height, Background);
        image.ProcessPixelRows(rows =>
        {
            for (var y = y0; y < y0 + height; y++)
            {
                rows.GetRowSpan(y).Slice(x0, width).Fill(White);
            }

            rows.GetRowSpan(y0 + height).Fill(nearWhite ?? NearWhite);
            if (withAlpha)
            {
                rows.GetRowSpan(y0 - 1).Fill(AlmostOpaqueWhite);
                rows.GetRowSpan(0).Fill(TransparentWhite);
            }
        });
        return image;
    }

    /// <summary>A fixed palette holding every colour drawn, without dithering, so GIF stays lossless.</summary>
    private static PaletteQuantizer ExactPalette() =>
        new(new Color[] { Color.FromRgba(Background.R, Background.G, Background.B, 255), Color.White, Color.FromRgb(GifNearWhite.R, GifNearWhite.G, GifNearWhite.B) },
            new QuantizerOptions { Dither = null });
}
