using System.Runtime.InteropServices;
using BenchmarkDotNet.Attributes;
using ImageGateway.Backend.Kernels;
using SixLabors.ImageSharp.PixelFormats;

namespace ImageGateway.LoadTests.Benchmarks;

/// <summary>
/// Each white-pixel kernel over a 4-megapixel image, row by row, against copying the same bytes row
/// by row (the baseline; goal: the kernel at least half as fast, a Ratio of at most 2). The image is
/// larger than the caches, so both run at memory speed. <c>Rgba32</c>/<c>Rgba64</c>: marking a row of
/// decoded pixels into a one-byte mask (what decoding does per row); <c>Mask</c>: counting a mask row.
/// </summary>
[MemoryDiagnoser]
public class KernelBenchmarks
{
    private const int Width = 2304;
    private const int Height = 1728;
    private byte[] _source = [];
    private byte[] _destination = [];
    private int _rowBytes;

    private byte[] _mask = [];

    [Params("Mask", "Rgba32", "Rgba64")]
    public string Pixel { get; set; } = "Rgba32";

    [GlobalSetup]
    public void Setup()
    {
        _rowBytes = Width * Pixel switch { "Mask" => 1, "Rgba32" => 4, _ => 8 };
        _source = new byte[_rowBytes * Height];
        _destination = new byte[_source.Length];
        _mask = new byte[Width];
        var random = new Random(1);
        random.NextBytes(_source);
        for (var i = 0; i < _source.Length; i += 7)
        {
            _source[i] = 0xFF; // plenty of white bytes, so the comparisons are not all trivially false
        }
    }

    [Benchmark(Baseline = true)]
    public int CopyRows()
    {
        for (var y = 0; y < Height; y++)
        {
            _source.AsSpan(y * _rowBytes, _rowBytes).CopyTo(_destination.AsSpan(y * _rowBytes, _rowBytes));
        }

        return _destination[^1];
    }

    [Benchmark]
    public long KernelRows()
    {
        long white = 0;
        for (var y = 0; y < Height; y++)
        {
            var row = _source.AsSpan(y * _rowBytes, _rowBytes);
            switch (Pixel)
            {
                case "Mask":
                    white += WhiteMaskKernels.Count<Rgba32>(MemoryMarshal.Cast<byte, WhiteMask<Rgba32>>(row));
                    break;
                case "Rgba32":
                    WhiteMaskKernels.Mark(MemoryMarshal.Cast<byte, Rgba32>(row), _mask);
                    white += _mask[^1];
                    break;
                default:
                    WhiteMaskKernels.Mark(MemoryMarshal.Cast<byte, Rgba64>(row), _mask);
                    white += _mask[^1];
                    break;
            }
        }

        return white;
    }
}
