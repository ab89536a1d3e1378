using BenchmarkDotNet.Attributes;
using ImageGateway.Common.Imaging.Headers;
using ImageGateway.TestSupport;

namespace ImageGateway.LoadTests.Benchmarks;

/// <summary>
/// What the JPEG, BMP and WebP header readers cost on a gateway's peek window (512 KiB of a larger
/// body, as the gateway calls them: not complete, Content-Length known), on real encodings and on
/// inputs built to make each reader work hardest per byte. The baseline hashes the same 512 KiB
/// (SHA-256, what the backend's poison memory costs per upload) so the figures compare across machines.
/// </summary>
[MemoryDiagnoser]
public class HeaderReaderBenchmarks
{
    private const int Window = 512 * 1024;

    private static readonly Dictionary<string, Func<byte[]>> Bodies = new()
    {
        ["jpeg-baseline-2mpx"] = () => GeneratedImages.Create(GeneratedKind.JpegBaseline420, 1632, 1224).Bytes,
        ["jpeg-progressive-2mpx"] = () => CraftedJpeg.Build(new JpegSpec(1632, 1224) { Progressive = true, EmptyAcScans = 20 }).Bytes,
        ["jpeg-ff00-every-2-bytes"] = () => JpegOfStuffedBytes(),
        ["bmp-8bit-small-palette"] = () => CraftedBmp.Build(new BmpSpec(1024, 1024, 8) { Palette = CraftedBmp.DefaultPalette(16), Pixel = (x, y) => (uint)((x ^ y) & 15) }).Bytes,
        ["bmp-rle8-runs-of-1"] = () => Rle8RunsOfOne(2048, 1024),
        ["webp-lossless-2mpx"] = () => GeneratedImages.Create(GeneratedKind.WebpLossless, 1632, 1224).Bytes,
        ["webp-lossless-1-bit-pixels"] = () => LosslessOfOneBitPixels(),
    };

    private byte[] _body = [];

    [ParamsSource(nameof(Names))]
    public string Body { get; set; } = "";

    public static IEnumerable<string> Names => Bodies.Keys;

    [GlobalSetup]
    public void Setup() => _body = Bodies[Body]();

    [Benchmark(Baseline = true)]
    public byte[] Sha256OfTheWindow() => System.Security.Cryptography.SHA256.HashData(_body.AsSpan(0, Math.Min(Window, _body.Length)));

    [Benchmark]
    public HeaderOutcome ReadTheWindow()
    {
        var window = _body.AsSpan(0, Math.Min(Window, _body.Length));
        var complete = window.Length == _body.Length;
        return Body[..4] switch
        {
            "jpeg" => JpegHeader.Read(window, complete, _body.Length).Outcome,
            "bmp-" => BmpHeader.Read(window, complete, _body.Length).Outcome,
            _ => WebpHeader.Read(window, complete, _body.Length).Outcome,
        };
    }

    /// <summary>A baseline JPEG whose scan is 1 MiB of FF 00 pairs: a 0xFF every other byte.</summary>
    private static byte[] JpegOfStuffedBytes()
    {
        var parts = JpegParts.Split(CraftedJpeg.Build(new JpegSpec(1632, 1224)).Bytes);
        var sos = JpegParts.IndexOf(parts, 0xDA);
        var header = parts[sos].AsSpan(0, 14).ToArray();
        parts[sos] = [.. header, .. Enumerable.Repeat<byte[]>([0xFF, 0x00], 512 * 1024).SelectMany(b => b)];
        return JpegParts.Join(parts);
    }

    /// <summary>An RLE8 bitmap of one-pixel runs: a command every 2 bytes.</summary>
    private static byte[] Rle8RunsOfOne(int width, int height)
    {
        var rle = new List<byte>(width * height * 2);
        for (var y = 0; y < height; y++)
        {
            for (var x = 0; x < width; x++)
            {
                rle.AddRange([1, (byte)(x & 1)]);
            }

            rle.AddRange([0, 0]);
        }

        return CraftedBmp.Build(new BmpSpec(width, height, 8) { Compression = 1, RunLengthData = rle.ToArray() }).Bytes;
    }

    /// <summary>
    /// A 16384x16384 lossless image whose predictor sub-image (4096x4096) codes each pixel in one bit
    /// (a two-symbol green code): the reader decodes four million pixels' worth of bits from the
    /// window. Only the first 5 million bits are written (more than the window holds).
    /// </summary>
    private static byte[] LosslessOfOneBitPixels()
    {
        var bits = new CraftedWebp.Vp8LBitWriter();
        bits.Header(16384, 16384);
        bits.Write(1, 1); // a transform
        bits.Write(0, 2); // predictor
        bits.Write(0, 3); // 4x4 blocks: a 1024x1024 sub-image
        bits.Write(0, 1); // no colour cache
        bits.Write(1, 1); // green: a simple code of two 8-bit symbols
        bits.Write(1, 1);
        bits.Write(1, 1);
        bits.Write(0, 8);
        bits.Write(1, 8);
        bits.SimpleCode(0);
        bits.SimpleCode(0);
        bits.SimpleCode(0);
        bits.SimpleCode(0);
        var random = new Random(1);
        for (var i = 0; i < 5_000_000; i++)
        {
            bits.Write((uint)random.Next(2), 1);
        }

        return CraftedWebp.Riff([new WebpChunk("VP8L", bits.ToArray())]);
    }
}
