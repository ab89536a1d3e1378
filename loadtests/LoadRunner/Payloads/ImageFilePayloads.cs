using ImageGateway.LoadRunner.Payloads;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;

namespace ImageGateway.LoadRunner.Payloads;

/// <summary>
/// Image files given with <c>--image</c>, counted here by ImageSharp as 8-bit RGBA (white = all four
/// channels 255); JPEG gets docs/load-testing.md's tolerance, max(16, pixels / 1000).
/// </summary>
public static class ImageFilePayloads
{
    public static Payload Load(string path)
    {
        var body = File.ReadAllBytes(path);
        using var image = Image.Load<Rgba32>(body);
        long white = 0;
        image.ProcessPixelRows(rows =>
        {
            for (var y = 0; y < rows.Height; y++)
            {
                foreach (var pixel in rows.GetRowSpan(y))
                {
                    if (pixel.PackedValue == uint.MaxValue)
                    {
                        white++;
                    }
                }
            }
        });
        var isJpeg = body.Length > 2 && body[0] == 0xFF && body[1] == 0xD8;
        var tolerance = isJpeg ? Math.Max(16, (long)image.Width * image.Height / 1000) : 0;
        return new Payload("legit/file", Path.GetFileName(path), body, "application/octet-stream", Expectation.Counted(white, tolerance));
    }
}
