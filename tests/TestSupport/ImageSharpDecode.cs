using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;

namespace ImageGateway.TestSupport;

/// <summary>What ImageSharp 2.1.13 really decodes from some bytes: the first frame's size and its white count, or the exception.</summary>
public sealed record ImageSharpAnswer(int Width, int Height, long White, string? Failure)
{
    public bool Failed => Failure is not null;

    public override string ToString() => Failed ? $"failed ({Failure})" : $"{Width}x{Height}, {White} white";
}

/// <summary>
/// Decodes with ImageSharp's own decoders into full pixels (<see cref="Rgba32"/>, or
/// <see cref="Rgba64"/> for <paramref name="deep"/> samples) and counts pixels with every channel at
/// the maximum: what the library does, independent of the product's mask and header model. Never
/// call it on an input that hangs the decoder (tiny Adam7, interlaced data cut short): nothing can
/// stop a decode thread.
/// </summary>
public static class ImageSharpDecode
{
    public static ImageSharpAnswer Read(byte[] image, bool deep = false)
    {
        try
        {
            return deep ? Count<Rgba64>(image, p => p.PackedValue == ulong.MaxValue) : Count<Rgba32>(image, p => p.PackedValue == uint.MaxValue);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            return new ImageSharpAnswer(0, 0, 0, $"{ex.GetType().Name}: {ex.Message}");
        }
    }

    private static ImageSharpAnswer Count<TPixel>(byte[] bytes, Func<TPixel, bool> white)
        where TPixel : unmanaged, IPixel<TPixel>
    {
        using var image = Image.Load<TPixel>(bytes);
        long count = 0;
        image.ProcessPixelRows(rows =>
        {
            for (var y = 0; y < rows.Height; y++)
            {
                foreach (var pixel in rows.GetRowSpan(y))
                {
                    count += white(pixel) ? 1 : 0;
                }
            }
        });
        return new ImageSharpAnswer(image.Width, image.Height, count, null);
    }
}
