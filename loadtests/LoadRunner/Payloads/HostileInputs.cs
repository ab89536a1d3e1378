using System.IO.Compression;
using System.Text;
using ImageGateway.TestSupport;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.Formats.Gif;
using SixLabors.ImageSharp.Formats.Jpeg;
using SixLabors.ImageSharp.PixelFormats;

namespace ImageGateway.LoadRunner.Payloads;

/// <summary>
/// The inputs an attacker sends, generated on the fly: decompression and pixel floods whose headers
/// promise huge images in a few bytes, a frame bomb, truncated and garbage bodies, an oversize body and
/// lying headers. Each carries the documented answer (docs/api.md, "Errors").
/// </summary>
public static class HostileInputs
{
    /// <summary>The backend's default body limit (<c>Counting:MaxBodyBytes</c>, 32 MiB) plus one byte.</summary>
    public const int DefaultOversizeBytes = 32 * 1024 * 1024 + 1;

    public static IReadOnlyList<Payload> Create(int oversizeBytes = DefaultOversizeBytes, int seed = 1)
    {
        var png = LegitImages.Create(new Size(320, 240), "png", withAlpha: false);
        var gif = LegitImages.Create(new Size(320, 240), "gif", withAlpha: false);
        var jpeg = Jpeg(new Size(320, 240));

        return
        [
            Hostile("pixel-flood-png", PngPixelFlood(20000, 20000), "image/png", Expectation.Rejected(422)),
            Hostile("pixel-flood-jpeg", JpegPixelFlood(65000, 65000), "image/jpeg", Expectation.Rejected(422)),
            Hostile("pixel-flood-gif", GifPixelFlood(65535, 65535), "image/gif", Expectation.Rejected(422)),
            FrameBomb(frames: 100, new Size(400, 400)),
            Hostile("truncated-png", png.Body[..(png.Body.Length * 6 / 10)], "image/png", Expectation.Rejected(422)),
            Hostile("truncated-jpeg", jpeg[..(jpeg.Length / 2)], "image/jpeg", Expectation.Rejected(422)),
            Hostile("garbage", CraftedImages.NotAnImage(4096, seed), "image/png", Expectation.Rejected(415)),
            Hostile("html-as-jpeg", Encoding.UTF8.GetBytes("<!doctype html><html><body>not an image</body></html>"), "image/jpeg", Expectation.Rejected(415)),
            Hostile("empty", [], "image/png", Expectation.Rejected(400)),
            Hostile("oversize", Oversize(png.Body, oversizeBytes), "image/png", Expectation.Rejected(413)),
            Hostile("gif-as-png", gif.Body, "image/png", gif.Expectation),
            Hostile("png-claims-gzip", png.Body, "image/png", Expectation.Rejected(415)) with { ContentEncoding = "gzip" },
        ];
    }

    /// <summary>A valid PNG of a few hundred bytes whose IHDR declares <paramref name="width"/> x <paramref name="height"/> RGBA.</summary>
    public static byte[] PngPixelFlood(int width, int height) =>
        CraftedPng.Build(
            CraftedPng.Ihdr(width, height, colorType: 6),
            CraftedPng.Chunk("IDAT", CraftedPng.CompressRows(64 * 1024, 1, CompressionLevel.SmallestSize)), // the first rows, all zero: compresses to almost nothing
            CraftedPng.Chunk("IEND", []));

    /// <summary>A baseline JPEG header (a quantisation table, SOF0, EOI) whose frame declares <paramref name="width"/> x <paramref name="height"/>.</summary>
    public static byte[] JpegPixelFlood(ushort width, ushort height) =>
        [0xFF, 0xD8, .. CraftedJpeg.UnitQuantTable, .. CraftedJpeg.FrameHeader(width, height, [new(1, 1, 1), new(2, 1, 1), new(3, 1, 1)]), 0xFF, 0xD9];

    /// <summary>A GIF whose logical screen and single image are <paramref name="width"/> x <paramref name="height"/>, of which one pixel is coded.</summary>
    public static byte[] GifPixelFlood(ushort width, ushort height) =>
        CraftedGif.Build(width, height, [CraftedGif.Black, CraftedGif.White], (0, 0, width, height), static (_, _) => 1, imageData: CraftedGif.Lzw([1], minCodeSize: 2));

    /// <summary>
    /// An animated GIF of many full-size frames: small on the wire, large if every frame is decoded.
    /// The product counts the first frame only (white, so its count is every pixel) or refuses it.
    /// </summary>
    public static Payload FrameBomb(int frames, Size size)
    {
        using var image = new Image<Rgba32>(size.Width, size.Height, LegitImages.White);
        for (var i = 1; i < frames; i++)
        {
            using var frame = new Image<Rgba32>(size.Width, size.Height, i % 2 == 0 ? LegitImages.White : LegitImages.Background);
            image.Frames.AddFrame(frame.Frames.RootFrame);
        }

        using var stream = new MemoryStream();
        image.SaveAsGif(stream);
        return Hostile($"frame-bomb-gif-{frames}", stream.ToArray(), "image/gif",
            Expectation.CountedOrRejected((long)size.Width * size.Height, 413, 422));
    }

    private static Payload Hostile(string name, byte[] body, string contentType, Expectation expectation) =>
        new("hostile/" + name, name, body, contentType, expectation);

    private static byte[] Jpeg(Size size)
    {
        using var image = LegitImages.Draw(size, withAlpha: false, out _);
        using var stream = new MemoryStream();
        image.SaveAsJpeg(stream, new JpegEncoder { Quality = 90 });
        return stream.ToArray();
    }

    /// <summary>A real PNG followed by zeros up to <paramref name="length"/> bytes.</summary>
    private static byte[] Oversize(byte[] png, int length)
    {
        var body = new byte[Math.Max(length, png.Length)];
        png.CopyTo(body, 0);
        return body;
    }
}
