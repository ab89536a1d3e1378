using System.Buffers.Binary;
using System.IO.Compression;
using System.Text;
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
        var random = new Random(seed);
        var png = LegitImages.Create(new Size(320, 240), "png", withAlpha: false);
        var gif = LegitImages.Create(new Size(320, 240), "gif", withAlpha: false);
        var jpeg = Jpeg(new Size(320, 240));
        var garbage = new byte[4096];
        random.NextBytes(garbage);
        garbage[0] = 0; // never a valid signature by chance

        return
        [
            Hostile("pixel-flood-png", PngPixelFlood(20000, 20000), "image/png", Expectation.Rejected(422)),
            Hostile("pixel-flood-jpeg", JpegPixelFlood(65000, 65000), "image/jpeg", Expectation.Rejected(422)),
            Hostile("pixel-flood-gif", GifPixelFlood(65535, 65535), "image/gif", Expectation.Rejected(422)),
            FrameBomb(frames: 100, new Size(400, 400)),
            Hostile("truncated-png", png.Body[..(png.Body.Length * 6 / 10)], "image/png", Expectation.Rejected(422)),
            Hostile("truncated-jpeg", jpeg[..(jpeg.Length / 2)], "image/jpeg", Expectation.Rejected(422)),
            Hostile("garbage", garbage, "image/png", Expectation.Rejected(415)),
            Hostile("html-as-jpeg", Encoding.UTF8.GetBytes("<!doctype html><html><body>not an image</body></html>"), "image/jpeg", Expectation.Rejected(415)),
            Hostile("empty", [], "image/png", Expectation.Rejected(400)),
            Hostile("oversize", Oversize(png.Body, oversizeBytes), "image/png", Expectation.Rejected(413)),
            Hostile("gif-as-png", gif.Body, "image/png", gif.Expectation),
            Hostile("png-claims-gzip", png.Body, "image/png", Expectation.Rejected(415)) with { ContentEncoding = "gzip" },
        ];
    }

    /// <summary>A valid PNG of a few hundred bytes whose IHDR declares <paramref name="width"/> x <paramref name="height"/> RGBA.</summary>
    public static byte[] PngPixelFlood(int width, int height)
    {
        using var output = new MemoryStream();
        output.Write([0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A]);
        var ihdr = new byte[13];
        BinaryPrimitives.WriteInt32BigEndian(ihdr, width);
        BinaryPrimitives.WriteInt32BigEndian(ihdr.AsSpan(4), height);
        ihdr[8] = 8; // bit depth
        ihdr[9] = 6; // RGBA
        WritePngChunk(output, "IHDR", ihdr);
        using (var idat = new MemoryStream())
        {
            using (var zlib = new ZLibStream(idat, CompressionLevel.SmallestSize, leaveOpen: true))
            {
                zlib.Write(new byte[64 * 1024]); // the first rows, all zero: compresses to almost nothing
            }

            WritePngChunk(output, "IDAT", idat.ToArray());
        }

        WritePngChunk(output, "IEND", []);
        return output.ToArray();
    }

    /// <summary>A baseline JPEG header whose SOF0 declares <paramref name="width"/> x <paramref name="height"/>.</summary>
    public static byte[] JpegPixelFlood(ushort width, ushort height)
    {
        var sof = new byte[] { 0xFF, 0xC0, 0x00, 0x11, 0x08, 0, 0, 0, 0, 0x03, 0x01, 0x11, 0x00, 0x02, 0x11, 0x00, 0x03, 0x11, 0x00 };
        BinaryPrimitives.WriteUInt16BigEndian(sof.AsSpan(5), height);
        BinaryPrimitives.WriteUInt16BigEndian(sof.AsSpan(7), width);
        var dqt = new byte[69];
        dqt[0] = 0xFF; dqt[1] = 0xDB; dqt[3] = 0x43;
        dqt.AsSpan(5).Fill(1);
        return [0xFF, 0xD8, .. dqt, .. sof, 0xFF, 0xD9];
    }

    /// <summary>A GIF whose logical screen and single image are <paramref name="width"/> x <paramref name="height"/>.</summary>
    public static byte[] GifPixelFlood(ushort width, ushort height)
    {
        var bytes = new List<byte>(Encoding.ASCII.GetBytes("GIF89a"));
        AddUInt16(bytes, width);
        AddUInt16(bytes, height);
        bytes.AddRange([0x80, 0x00, 0x00]); // global colour table of 2 entries
        bytes.AddRange([0, 0, 0, 255, 255, 255]);
        bytes.Add(0x2C); // image descriptor
        AddUInt16(bytes, 0);
        AddUInt16(bytes, 0);
        AddUInt16(bytes, width);
        AddUInt16(bytes, height);
        bytes.Add(0x00);
        bytes.AddRange([0x02, 0x02, 0x4C, 0x01, 0x00]); // LZW minimum code size 2, one tiny sub-block, terminator
        bytes.Add(0x3B);
        return [.. bytes];
    }

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

    private static void AddUInt16(List<byte> bytes, ushort value)
    {
        bytes.Add((byte)value);
        bytes.Add((byte)(value >> 8));
    }

    private static void WritePngChunk(Stream output, string type, ReadOnlySpan<byte> data)
    {
        Span<byte> header = stackalloc byte[8];
        BinaryPrimitives.WriteInt32BigEndian(header, data.Length);
        Encoding.ASCII.GetBytes(type, header[4..]);
        output.Write(header);
        output.Write(data);
        var crc = Crc32.Append(Crc32.Append(Crc32.Initial, header[4..]), data);
        Span<byte> trailer = stackalloc byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(trailer, Crc32.Finish(crc));
        output.Write(trailer);
    }
}
