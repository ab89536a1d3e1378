using ImageGateway.Backend.Counting;
using ImageGateway.Backend.Memory;
using ImageGateway.Common.Imaging;
using ImageGateway.Common.Imaging.Headers;
using ImageGateway.TestSupport;
using Microsoft.Extensions.Options;
using Xunit.Abstractions;

namespace ImageGateway.Backend.Tests.Admission;

/// <summary>
/// The calibration of the admission estimate: for every format and layout, the estimate is at least
/// what decoding really allocated (all of it on this thread, so the allocated total bounds the peak)
/// and not absurdly more. Expected counts come from the construction of the images.
/// </summary>
public sealed class DecodeCostEstimatorTests(ITestOutputHelper output)
{
    private static readonly ImageCounter Counter = new(Options.Create(new CountingOptions()), new GcImageAllocator(long.MaxValue));

    public static TheoryData<GeneratedKind, int, int> Images()
    {
        var data = new TheoryData<GeneratedKind, int, int>();
        foreach (var kind in Enum.GetValues<GeneratedKind>())
        {
            data.Add(kind, 1000, 750);
            data.Add(kind, 333, 1001); // odd sizes: partial blocks and MCUs
            data.Add(kind, 4001, 97); // wide: per-row buffers dominate
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Images))]
    public void Estimate_GeneratedImage_BoundsMeasuredDecodeAllocationsTightly(GeneratedKind kind, int width, int height)
    {
        var (bytes, white) = GeneratedImages.Create(kind, width, height);
        var facts = Counter.Identify(bytes);
        Counter.Count(bytes, facts); // warm up: first-call statics are not per-decode cost

        var before = GC.GetAllocatedBytesForCurrentThread();
        var result = Counter.Count(bytes, facts);
        var measured = GC.GetAllocatedBytesForCurrentThread() - before;
        var estimate = DecodeCostEstimator.Estimate(facts, bytes.Length);
        output.WriteLine($"CAL {kind} {width}x{height} {facts.Depth}: body {bytes.Length} measured {measured} extra/px {(double)(measured - (facts.Pixels * DecodeCostEstimator.DecodedBytesPerPixel)) / facts.Pixels:0.00} body/px {(double)bytes.Length / facts.Pixels:0.00} estimate {estimate}, ratio {(double)estimate / measured:0.00}");

        Assert.Equal(white, result.WhitePixelCount);
        Assert.True(estimate >= measured, $"estimate {estimate} < measured {measured}");
        Assert.True(estimate <= (measured * 1.5) + DecodeCostEstimator.FixedBytes, $"estimate {estimate} is far above measured {measured}");
    }

    [Theory]
    [MemberData(nameof(CorpusImages))]
    public void Estimate_CorpusImage_BoundsMeasuredDecodeAllocations(string path)
    {
        var bytes = File.ReadAllBytes(CorpusManifest.Get(path).FullPath);
        var facts = Counter.Identify(bytes);
        Counter.Count(bytes, facts);

        var before = GC.GetAllocatedBytesForCurrentThread();
        Counter.Count(bytes, facts);
        var measured = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.True(DecodeCostEstimator.Estimate(facts, bytes.Length) >= measured, $"estimate {DecodeCostEstimator.Estimate(facts, bytes.Length)} < measured {measured}");
    }

    public static TheoryData<string> CorpusImages() => new(CorpusManifest.Paths(CorpusExpectations.IsCountable));
}
