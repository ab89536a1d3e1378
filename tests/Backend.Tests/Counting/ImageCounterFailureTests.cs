using System.Buffers;
using ImageGateway.Backend.Counting;
using ImageGateway.Common.Problems;
using ImageGateway.TestSupport;
using Microsoft.Extensions.Options;
using SixLabors.ImageSharp.Memory;

namespace ImageGateway.Backend.Tests.Counting;

/// <summary>
/// How a decode that throws is answered: a failure ImageSharp does not raise for bad data (an
/// OutOfMemoryException lost in a decoder's cleanup shows up as, say, a NullReferenceException) is
/// decoded once more, so a good image is never refused as corrupt because memory ran short once.
/// The failures are injected through the image allocator, which every decode goes through.
/// </summary>
public sealed class ImageCounterFailureTests
{
    private static readonly (byte[] Bytes, long White) Jpeg = GeneratedImages.Create(GeneratedKind.JpegBaseline420, 320, 240);

    [Fact]
    public void Count_UnexpectedFailureOnce_IsDecodedAgainAndCounted()
    {
        var counter = Counter(new FailingAllocator(() => new NullReferenceException("lost in cleanup"), failures: 1));

        Assert.Equal(Jpeg.White, counter.Count(Jpeg.Bytes).WhitePixelCount);
    }

    [Fact]
    public void Count_UnexpectedFailureEveryTime_IsCorrupt()
    {
        var counter = Counter(new FailingAllocator(() => new NullReferenceException("a decoder defect"), failures: int.MaxValue));

        var ex = Assert.Throws<ImageRejectedException>(() => counter.Count(Jpeg.Bytes));
        Assert.Equal(ProblemTypes.CorruptImage, ex.Problem);
    }

    [Fact]
    public void Count_OutOfMemory_IsNotRetriedAndNotCorrupt()
    {
        var allocator = new FailingAllocator(() => new OutOfMemoryException(), failures: 1);

        Assert.Throws<OutOfMemoryException>(() => Counter(allocator).Count(Jpeg.Bytes));
        Assert.Equal(1, allocator.Failed);
    }

    private static ImageCounter Counter(MemoryAllocator allocator) => new(Options.Create(new CountingOptions()), allocator);

    /// <summary>Throws the given exception from the first <paramref name="failures"/> allocations, then allocates.</summary>
    private sealed class FailingAllocator(Func<Exception> failure, int failures) : MemoryAllocator
    {
        private readonly SimpleGcMemoryAllocator _inner = new();

        public int Failed { get; private set; }

        public override IMemoryOwner<T> Allocate<T>(int length, AllocationOptions options = AllocationOptions.None)
        {
            if (Failed < failures)
            {
                Failed++;
                throw failure();
            }

            return _inner.Allocate<T>(length, options);
        }

        protected override int GetBufferCapacityInBytes() => 1024 * 1024;
    }
}
