using ImageGateway.Backend.Decoding;
using Microsoft.Extensions.Options;

namespace ImageGateway.Backend.Tests.Decoding;

public sealed class DecodeDeadlinesTests
{
    private static readonly DecodeDeadlines Deadlines = new(Options.Create(new DecodingOptions
    {
        MinimumDeadline = TimeSpan.FromSeconds(1),
        MaximumDeadline = TimeSpan.FromSeconds(10),
        DeadlineFactor = 10,
        StallTimeout = TimeSpan.FromSeconds(20),
    }));

    [Fact]
    public void ForDecode_SmallImage_GetsTheMinimum()
    {
        Assert.Equal(new Deadline(TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(20)), Deadlines.ForDecode("png", 32 * 32, 1));
    }

    [Fact]
    public void ForDecode_ScalesWithPixelsAndPasses_AtTheFormatsRateTimesTheFactor()
    {
        // 7 Mpx of PNG at 35 Mpx/s is 0.2 s; ten times that is 2 s. Two passes: 4 s.
        Assert.Equal(TimeSpan.FromSeconds(2), Deadlines.ForDecode("png", 7_000_000, 1).Cpu);
        Assert.Equal(TimeSpan.FromSeconds(4), Deadlines.ForDecode("png", 7_000_000, 2).Cpu);
        // 2 Mpx of JPEG at 5 Mpx/s is 0.4 s; ten times that is 4 s.
        Assert.Equal(TimeSpan.FromSeconds(4), Deadlines.ForDecode("jpeg", 2_000_000, 1).Cpu);
        // WebP decodes slower than PNG: the same pixels get a longer deadline.
        Assert.True(Deadlines.ForDecode("webp", 2_000_000, 1).Cpu > Deadlines.ForDecode("png", 2_000_000, 1).Cpu);
    }

    [Fact]
    public void ForDecode_ThousandsOfScans_GetsTheMaximum()
    {
        Assert.Equal(TimeSpan.FromSeconds(10), Deadlines.ForDecode("jpeg", 1_000_000, 10_000).Cpu);
        Assert.Equal(TimeSpan.FromSeconds(10), Deadlines.ForDecode("jpeg", long.MaxValue, int.MaxValue).Cpu);
    }

    [Fact]
    public void ForIdentify_ScalesWithTheBody_BetweenMinimumAndMaximum()
    {
        Assert.Equal(TimeSpan.FromSeconds(1), Deadlines.ForIdentify(1024).Cpu);
        // 32 MiB at 20 MB/s is 1.68 s; ten times that is over the maximum.
        Assert.Equal(TimeSpan.FromSeconds(10), Deadlines.ForIdentify(32L << 20).Cpu);
        Assert.Equal(TimeSpan.FromSeconds(20), Deadlines.ForIdentify(1024).Wall);
    }
}
