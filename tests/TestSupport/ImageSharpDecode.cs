using System.Diagnostics;
using System.Globalization;
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

    /// <summary>
    /// Decodes in a child process (<c>tests/DecodeProbe</c>, built in <paramref name="configuration"/>)
    /// that is killed when it has not answered <paramref name="timeout"/> after its warm-up: the
    /// evidence for the inputs that hang ImageSharp. Null means it hung.
    /// </summary>
    public static ImageSharpAnswer? ReadInChildProcess(byte[] image, string configuration, TimeSpan timeout)
    {
        var probe = RepoPaths.AppAssembly(Path.Combine("tests", "DecodeProbe"), "DecodeProbe", configuration);
        var file = Path.Combine(Path.GetTempPath(), $"decode-probe-{Guid.NewGuid():N}.img");
        File.WriteAllBytes(file, image);
        try
        {
            using var process = Process.Start(new ProcessStartInfo("dotnet", [probe, file]) { RedirectStandardOutput = true, UseShellExecute = false })
                ?? throw new InvalidOperationException("Could not start the decode probe.");
            try
            {
                if (process.StandardOutput.ReadLine() != "READY")
                {
                    throw new InvalidOperationException("The decode probe did not start.");
                }

                var answer = process.StandardOutput.ReadLineAsync();
                if (!answer.Wait(timeout))
                {
                    return null;
                }

                return answer.Result?.Split(' ', 4) switch
                {
                    ["OK", var w, var h, var white] => new ImageSharpAnswer(int.Parse(w, CultureInfo.InvariantCulture), int.Parse(h, CultureInfo.InvariantCulture), long.Parse(white, CultureInfo.InvariantCulture), null),
                    [_, ..] parts => new ImageSharpAnswer(0, 0, 0, string.Join(' ', parts[1..])),
                    _ => throw new InvalidOperationException("The decode probe gave no answer."),
                };
            }
            finally
            {
                if (!process.HasExited)
                {
                    process.Kill(entireProcessTree: true);
                    process.WaitForExit();
                }
            }
        }
        finally
        {
            File.Delete(file);
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
