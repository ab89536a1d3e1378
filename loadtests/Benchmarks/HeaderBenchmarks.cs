using System.Security.Cryptography;
using BenchmarkDotNet.Attributes;
using ImageGateway.Common.Imaging.Headers;
using ImageGateway.TestSupport;

namespace ImageGateway.LoadTests.Benchmarks;

/// <summary>
/// What the header model costs per upload, every format in one place: <see cref="ImageHeaders.Read"/>
/// on the first 512 KiB of a body as the gateway reads its peek (always a prefix,
/// <c>complete: false</c>, with the body's length) and on the same bytes as a whole body (the
/// backend's read, every check), on real encodings and on bodies built to make each reader work
/// hardest per byte: a 5 MB PNG (one IDAT past the window), a PNG whose window holds 64 IDAT chunks
/// of 8 KiB, a JPEG whose frame header sits behind 400 KiB of APP segments, a 1632x1224 GIF whose
/// first frame's sub-blocks fill the window, a binary PPM, and the JPEG, BMP and WebP bodies below.
/// The baseline hashes the same bytes (SHA-256, what the backend's poison memory costs per upload)
/// so the figures compare across machines. Compare with the gateway's whole CPU per upload (about
/// 70-100 us, docs/gateway.md "Benchmark").
/// </summary>
[MemoryDiagnoser]
public class HeaderBenchmarks
{
    private const int PeekWindow = 512 * 1024;

    private static readonly Dictionary<string, Func<byte[]>> Bodies = new()
    {
        ["png-5MB"] = () => CraftedImages.NoisePng(1300, 1300, 2),
        ["png-64-idats"] = () => ManyIdats(),
        ["jpeg-app-400KB"] = () => [.. CraftedImages.JpegHeader(2000, 1500, appBytes: 400 * 1024), .. new byte[200_000]],
        ["gif-1632x1224"] = () => GeneratedImages.Create(GeneratedKind.Gif, 1632, 1224).Bytes,
        ["ppm-1000x1000"] = () => [.. "P6\n1000 1000\n255\n"u8.ToArray(), .. new byte[3_000_000]],
        ["jpeg-baseline-2mpx"] = () => GeneratedImages.Create(GeneratedKind.JpegBaseline420, 1632, 1224).Bytes,
        ["jpeg-progressive-2mpx"] = () => CraftedJpeg.Build(new JpegSpec(1632, 1224) { Progressive = true, EmptyAcScans = 20 }).Bytes,
        ["jpeg-ff00-every-2-bytes"] = () => JpegOfStuffedBytes(),
        ["bmp-8bit-small-palette"] = () => CraftedBmp.Build(new BmpSpec(1024, 1024, 8) { Palette = CraftedBmp.DefaultPalette(16), Pixel = (x, y) => (uint)((x ^ y) & 15) }).Bytes,
        ["bmp-rle8-runs-of-1"] = () => Rle8RunsOfOne(2048, 1024),
        ["webp-lossless-2mpx"] = () => GeneratedImages.Create(GeneratedKind.WebpLossless, 1632, 1224).Bytes,
        ["webp-lossless-1-bit-pixels"] = () => LosslessOfOneBitPixels(5_000_000),
        ["webp-lossless-1-bit-pixels-whole-500k"] = () => LosslessOfOneBitPixels(4_000_000),
        ["webp-lossless-2600-groups"] = () => LosslessOfManyGroups(),
    };

    private byte[] _body = [];

    [ParamsSource(nameof(Names))]
    public string Body { get; set; } = "png-5MB";

    public static IEnumerable<string> Names => Bodies.Keys;

    [GlobalSetup]
    public void Setup() => _body = Bodies[Body]();

    [Benchmark(Baseline = true)]
    public byte[] Sha256OfTheWindow() => SHA256.HashData(Window);

    /// <summary>The gateway's read (<c>UploadInspector</c>): the window as a prefix of the body, whatever its size.</summary>
    [Benchmark]
    public HeaderOutcome GatewayRead() => ImageHeaders.Read(Window, complete: false, _body.Length, UploadLimits.Default).Outcome;

    /// <summary>The backend's read of the window's bytes as a whole body (every check of the image data).</summary>
    [Benchmark]
    public HeaderOutcome WholeBodyRead()
    {
        var window = Window;
        return ImageHeaders.Read(window, complete: true, window.Length, UploadLimits.Default).Outcome;
    }

    private ReadOnlySpan<byte> Window => _body.AsSpan(0, Math.Min(_body.Length, PeekWindow));

    private static byte[] ManyIdats()
    {
        var raw = new byte[1000 * 3001];
        new Random(3).NextBytes(raw);
        for (var y = 0; y < 1000; y++)
        {
            raw[y * 3001] = 0;
        }

        var data = CraftedPng.Compress(raw);
        var chunks = new List<byte[]> { CraftedPng.Ihdr(1000, 1000) };
        for (var i = 0; i < data.Length; i += 8192)
        {
            chunks.Add(CraftedPng.Chunk("IDAT", data.AsSpan(i, Math.Min(8192, data.Length - i))));
        }

        chunks.Add(CraftedPng.Chunk("IEND", []));
        return CraftedPng.Build([.. chunks]);
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
    /// (a two-symbol green code), cut after <paramref name="pixels"/> of them: 5 million overfill
    /// the window, so the read is a prefix's (the gateway's, budgeted); 4 million make a whole body
    /// under it, read to its end (every pixel a decoding step; the body is refused as cut short).
    /// </summary>
    private static byte[] LosslessOfOneBitPixels(int pixels)
    {
        var bits = new CraftedWebp.Vp8LBitWriter();
        bits.Header(16384, 16384);
        bits.PredictorOfOneBitPixels(pixels, seed: 1); // 4x4 tiles: a 4096x4096 sub-image
        return CraftedWebp.Riff([new WebpChunk("VP8L", bits.ToArray())]);
    }

    /// <summary>
    /// A lossless image of the most groups accepted (2600), each of the cheapest codes in bits that
    /// make a reader work hardest: a one-symbol green code over the largest alphabet (colour cache
    /// of 11 bits: 2328 symbols), and red, blue and alpha codes of 256 lengths coded in 0 bits each.
    /// </summary>
    private static byte[] LosslessOfManyGroups()
    {
        const int groups = 2600;
        var bits = new CraftedWebp.Vp8LBitWriter();
        bits.Header(16384, 16384);
        bits.Write(0, 1); // no transform
        bits.Write(1, 1); // colour cache
        bits.Write(11, 4); // of 11 bits
        bits.Write(1, 1); // meta prefix codes
        bits.Write(7, 3); // precision 9: 32x32 tiles
        bits.Write(0, 1); // entropy image: no colour cache
        bits.SingleSymbolCodes(green: (groups - 1) & 0xFF, red: (groups - 1) >> 8, blue: 0, alpha: 0);
        for (var g = 0; g < groups; g++)
        {
            bits.SimpleCode(0);
            for (var c = 0; c < 3; c++)
            {
                bits.Write(0, 1); // a normal code
                bits.Write(12 - 4, 4); // 12 code-length code lengths: 17, 18, 0..5, 16, 6, 7, 8
                for (var i = 0; i < 12; i++)
                {
                    bits.Write(i == 11 ? 1u : 0u, 3); // only length 8, so coded in 0 bits
                }

                bits.Write(0, 1); // every symbol's length
            }

            bits.SimpleCode(0);
        }

        return CraftedWebp.Riff([new WebpChunk("VP8L", [.. bits.ToArray(), .. new byte[64]])]);
    }
}
