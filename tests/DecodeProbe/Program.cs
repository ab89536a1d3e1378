using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;

namespace ImageGateway.DecodeProbe;

/// <summary>
/// Decodes the file named by the argument with ImageSharp into <see cref="Rgba32"/> and prints
/// "OK width height white" or "FAILED exception". Prints "READY" first, after a warm-up decode, so the
/// caller's timeout measures the decode, not the start-up.
/// </summary>
public static class Program
{
    private static readonly byte[] WarmUp = Convert.FromBase64String(
        "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAIAAACQd1PeAAAADElEQVR4nGP4//8/AAX+Av4N70a4AAAAAElFTkSuQmCC");

    public static int Main(string[] args)
    {
        using (Image.Load<Rgba32>(WarmUp))
        {
        }

        Console.WriteLine("READY");
        Console.Out.Flush();
        try
        {
            using var image = Image.Load<Rgba32>(File.ReadAllBytes(args[0]));
            long white = 0;
            image.ProcessPixelRows(rows =>
            {
                for (var y = 0; y < rows.Height; y++)
                {
                    foreach (var pixel in rows.GetRowSpan(y))
                    {
                        white += pixel.PackedValue == uint.MaxValue ? 1 : 0;
                    }
                }
            });
            Console.WriteLine($"OK {image.Width} {image.Height} {white}");
        }
        catch (Exception ex)
        {
            Console.WriteLine($"FAILED {ex.GetType().Name}: {ex.Message.ReplaceLineEndings(" ")}");
        }

        return 0;
    }
}
