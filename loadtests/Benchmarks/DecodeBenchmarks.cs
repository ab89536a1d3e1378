using System.Runtime.InteropServices;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Reports;
using BenchmarkDotNet.Running;
using ImageGateway.Backend.Counting;
using ImageGateway.Backend.Kernels;
using ImageGateway.Backend.Memory;
using ImageGateway.Common.Imaging;
using ImageGateway.Common.Imaging.Headers;
using ImageGateway.TestSupport;
using Microsoft.Extensions.Options;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;

namespace ImageGateway.LoadTests.Benchmarks;

/// <summary>
/// Identify + decode + count, one thread, as the endpoint does it: the largest corpus image of each
/// format, and generated 2-megapixel images (the corpus has no large PNG or progressive JPEG). The
/// Mpx/s column is pixels over the mean time. The baseline decodes the same image into full
/// <see cref="Rgba32"/> pixels (<see cref="Rgba64"/> when 16-bit) and counts those: what decoding into
/// the one-byte white mask saves, in time and in allocated bytes.
/// </summary>
[Config(typeof(MegapixelsConfig))]
[MemoryDiagnoser]
public class DecodeBenchmarks
{
    private static readonly Dictionary<string, Func<byte[]>> Images = new()
    {
        // Corpus (largest of each format): tests/corpus/...
        ["c-png-gray16"] = () => Corpus("libpng/testpngs/gray-16-1.8.png"), // 256x256
        ["c-jpeg-base"] = () => Corpus("pillow/flower.jpg"), // 480x360
        ["c-jpeg-prog"] = () => Corpus("pillow/app13-multiple.jpg"), // 256x160
        ["c-gif"] = () => Corpus("pillow/test.colors.gif"), // 489x1000
        ["c-webp-lossy"] = () => Corpus("pillow/flower.webp"), // 480x360
        // Generated 1632x1224 (2 Mpx), as in the stress test.
        ["g-png-rgb"] = () => GeneratedImages.Create(GeneratedKind.PngRgb, 1632, 1224).Bytes,
        ["g-jpeg-base"] = () => GeneratedImages.Create(GeneratedKind.JpegBaseline420, 1632, 1224).Bytes,
        ["g-jpeg-prog"] = () => GeneratedImages.Create(GeneratedKind.JpegProgressive, 1632, 1224).Bytes,
        ["g-gif"] = () => GeneratedImages.Create(GeneratedKind.Gif, 1632, 1224).Bytes,
        ["g-webp-lossy"] = () => GeneratedImages.Create(GeneratedKind.WebpLossy, 1632, 1224).Bytes,
        ["g-webp-lossless"] = () => GeneratedImages.Create(GeneratedKind.WebpLossless, 1632, 1224).Bytes,
    };

    private readonly ImageCounter _counter = new(Options.Create(new CountingOptions()), new GcImageAllocator(long.MaxValue));
    private readonly Configuration _configuration = SafeImageConfiguration.Create(new GcImageAllocator(long.MaxValue));
    private byte[] _image = [];

    [ParamsSource(nameof(Names))]
    public string Image { get; set; } = "";

    public static IEnumerable<string> Names => Images.Keys;

    [GlobalSetup]
    public void Setup() => _image = Images[Image]();

    [Benchmark(Baseline = true)]
    public long DecodeFullPixelsAndCount()
    {
        if (_counter.Identify(_image).Depth == SampleDepth.Bits16)
        {
            using var deep = SixLabors.ImageSharp.Image.Load<Rgba64>(_configuration, _image);
            return CountFullPixels(deep);
        }

        using var image = SixLabors.ImageSharp.Image.Load<Rgba32>(_configuration, _image);
        return CountFullPixels(image);
    }

    [Benchmark]
    public long DecodeAndCount() => _counter.Count(_image).WhitePixelCount;

    private static long CountFullPixels<TPixel>(Image<TPixel> image)
        where TPixel : unmanaged, IPixel<TPixel>
    {
        long white = 0;
        image.ProcessPixelRows(rows =>
        {
            Span<byte> mask = new byte[rows.Width];
            for (var y = 0; y < rows.Height; y++)
            {
                var row = rows.GetRowSpan(y);
                if (typeof(TPixel) == typeof(Rgba32))
                {
                    WhiteMaskKernels.Mark(MemoryMarshal.Cast<TPixel, Rgba32>(row), mask);
                }
                else
                {
                    WhiteMaskKernels.Mark(MemoryMarshal.Cast<TPixel, Rgba64>(row), mask);
                }

                white += WhiteMaskKernels.Count<Rgba32>(MemoryMarshal.Cast<byte, WhiteMask<Rgba32>>(mask));
            }
        });
        return white;
    }

    private static byte[] Corpus(string path) => File.ReadAllBytes(CorpusManifest.Get(path).FullPath);

    private sealed class MegapixelsConfig : ManualConfig
    {
        public MegapixelsConfig() => AddColumn(new MegapixelsPerSecondColumn());
    }

    /// <summary>Decoded megapixels per second: the image's pixels over the benchmark's mean time.</summary>
    private sealed class MegapixelsPerSecondColumn : IColumn
    {
        public string Id => nameof(MegapixelsPerSecondColumn);

        public string ColumnName => "Mpx/s";

        public bool AlwaysShow => true;

        public ColumnCategory Category => ColumnCategory.Custom;

        public int PriorityInCategory => 0;

        public bool IsNumeric => true;

        public UnitType UnitType => UnitType.Dimensionless;

        public string Legend => "Decoded megapixels per second (single thread)";

        public string GetValue(Summary summary, BenchmarkCase benchmarkCase) => GetValue(summary, benchmarkCase, SummaryStyle.Default);

        public string GetValue(Summary summary, BenchmarkCase benchmarkCase, SummaryStyle style)
        {
            var report = summary[benchmarkCase];
            if (report?.ResultStatistics is not { } statistics)
            {
                return "-";
            }

            var name = (string)benchmarkCase.Parameters["Image"];
            var facts = new ImageCounter(Options.Create(new CountingOptions()), new GcImageAllocator(long.MaxValue)).Identify(Images[name]());
            return (facts.Pixels / 1e6 / (statistics.Mean / 1e9)).ToString("0.0", System.Globalization.CultureInfo.InvariantCulture);
        }

        public bool IsDefault(Summary summary, BenchmarkCase benchmarkCase) => false;

        public bool IsAvailable(Summary summary) => true;
    }
}
