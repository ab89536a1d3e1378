using ImageGateway.Backend.Memory;
using SixLabors.ImageSharp.Memory;

namespace ImageGateway.Backend.Tests.Memory;

/// <summary>The allocator's job limit: every allocation of a decode is checked against what its request reserved.</summary>
public sealed class GcImageAllocatorTests
{
    [Fact]
    public void Allocate_WithinTheJobLimit_SucceedsAndTheJobPeakIsTheMostHeldAtOnce()
    {
        var allocator = new GcImageAllocator(long.MaxValue);
        allocator.BeginJob(1000);

        var first = allocator.Allocate<byte>(600);
        first.Dispose();
        using var second = allocator.Allocate<int>(100); // 400 bytes
        using var third = allocator.Allocate<byte>(300);

        Assert.Equal(700, allocator.JobPeakBytes);
        Assert.False(allocator.JobLimitExceeded);
    }

    [Fact]
    public void Allocate_CrossingTheJobLimit_ThrowsAnInvalidMemoryOperation_AndLeavesTheCountAsItWas()
    {
        var allocator = new GcImageAllocator(long.MaxValue);
        allocator.BeginJob(1000);
        using var held = allocator.Allocate<byte>(900);

        var ex = Assert.Throws<ReservationExceededException>(() => allocator.Allocate<byte>(200));

        Assert.IsAssignableFrom<InvalidMemoryOperationException>(ex);
        Assert.Equal(1100, ex.RequestedBytes);
        Assert.Equal(1000, ex.LimitBytes);
        Assert.True(allocator.JobLimitExceeded);
        Assert.Equal(900, allocator.BytesInUse);
    }

    [Fact]
    public void BeginJob_CountsOnlyWhatTheJobAllocates_AndEndJobLiftsTheLimit()
    {
        var allocator = new GcImageAllocator(long.MaxValue);
        using var before = allocator.Allocate<byte>(5000);
        allocator.BeginJob(1000);
        using var during = allocator.Allocate<byte>(1000);
        Assert.Throws<ReservationExceededException>(() => allocator.Allocate<byte>(1));

        allocator.EndJob();
        using var after = allocator.Allocate<byte>(100_000);

        Assert.Equal(1000, allocator.JobPeakBytes);
    }

    [Fact]
    public void Allocate_OverTheSingleAllocationLimit_IsRefusedWithoutAJob()
    {
        var allocator = new GcImageAllocator(1024);

        Assert.Throws<InvalidMemoryOperationException>(() => allocator.Allocate<byte>(1025));
        Assert.False(allocator.JobLimitExceeded);
    }
}
