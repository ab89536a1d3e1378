using BenchmarkDotNet.Attributes;
using ImageGateway.Common.Imaging.Headers;
using ImageGateway.TestSupport;

namespace ImageGateway.LoadTests.Benchmarks;

/// <summary>
/// What the header model costs the gateway per upload: <see cref="ImageHeaders.Read"/> on the peek
/// (at most 512 KiB) of bodies that make it walk the most: a 5 MB PNG (one IDAT past the window),
/// a PNG whose window holds 64 IDAT chunks of 8 KiB, a JPEG whose frame header sits behind 400 KiB of
/// APP segments, a 1632x1224 GIF whose first frame's sub-blocks fill the window, a binary PPM.
/// Compare with the gateway's whole CPU per upload (about 70-100 us, README "Benchmark").
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
    };

    private byte[] _body = [];

    [ParamsSource(nameof(Names))]
    public string Body { get; set; } = "png-5MB";

    public static IEnumerable<string> Names => Bodies.Keys;

    [GlobalSetup]
    public void Setup() => _body = Bodies[Body]();

    [Benchmark]
    public HeaderOutcome ReadPeek()
    {
        var window = Math.Min(_body.Length, PeekWindow);
        return ImageHeaders.Read(_body.AsSpan(0, window), complete: window == _body.Length, _body.Length, UploadLimits.Default).Outcome;
    }

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
}
