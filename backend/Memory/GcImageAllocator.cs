using System.Buffers;
using System.Runtime.CompilerServices;
using SixLabors.ImageSharp.Memory;

namespace ImageGateway.Backend.Memory;

/// <summary>
/// ImageSharp's memory, all of it on the GC heap and none of it pooled: the GC heap hard limit then
/// bounds decoding, and an overrun is a catchable <see cref="OutOfMemoryException"/> (answered 503),
/// never a kernel OOM kill. (ImageSharp's default allocator puts buffers over 1 MB in unmanaged memory
/// and pools them, outside both the hard limit and the decode budget.) Like
/// <see cref="SimpleGcMemoryAllocator"/>, with the limits stated explicitly: image buffers are
/// split into blocks of at most <see cref="BlockBytes"/> (a large image needs no single huge
/// contiguous array in a small, possibly fragmented heap), and no one allocation may exceed
/// <see cref="MaxAllocationBytes"/> (over it ImageSharp's <see cref="InvalidMemoryOperationException"/>,
/// answered 422).
/// <para>
/// A decode worker decodes one image at a time under a <b>job limit</b> (<see cref="BeginJob"/>): the
/// bytes its request reserved for decoding. Every allocation is checked against it, so a decode that
/// needs more than the header promised fails at the allocation that crosses the line
/// (<see cref="ReservationExceededException"/>) instead of running the heap out; the job's peak is
/// measured. Enforcement lives here because this is where the memory is spent: the estimate is a
/// belief about the bytes, this is the fact.
/// </para>
/// </summary>
public sealed class GcImageAllocator : MemoryAllocator
{
    /// <summary>Largest block of one image buffer. Rows never straddle blocks; 1 MiB holds any row up to 16384 Rgba64 pixels (128 KiB) eight times over, and small blocks fill the holes of a fragmented large-object heap (measured: 4 MiB blocks left 6-8 MiB committed but unusable in a 26 MiB heap).</summary>
    public const int BlockBytes = 1024 * 1024;

    private long _bytesInUse;
    private long _jobLimit = long.MaxValue;
    private long _jobStartBytes;
    private long _jobPeak;
    private int _jobExceeded;
    private int _jobActive;

    public GcImageAllocator(long maxAllocationBytes)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxAllocationBytes, 1);
        MaxAllocationBytes = maxAllocationBytes;
    }

    /// <summary>Largest single allocation, in bytes.</summary>
    public long MaxAllocationBytes { get; }

    /// <summary>Bytes of image buffers allocated and not yet disposed.</summary>
    public long BytesInUse => Volatile.Read(ref _bytesInUse);

    /// <summary>The most bytes the current (or last) job held at once, counted from its start to its end.</summary>
    public long JobPeakBytes => Volatile.Read(ref _jobPeak);

    /// <summary>True when an allocation of the current (or last) job was refused for crossing its limit.</summary>
    public bool JobLimitExceeded => Volatile.Read(ref _jobExceeded) != 0;

    /// <summary>
    /// Starts a job: from now on the bytes allocated beyond what is in use now may not exceed
    /// <paramref name="limitBytes"/>, and their peak is measured. A worker decodes one image at a time,
    /// so one job is current; a new one replaces the last.
    /// </summary>
    public void BeginJob(long limitBytes)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(limitBytes);
        Volatile.Write(ref _jobStartBytes, BytesInUse);
        Volatile.Write(ref _jobPeak, 0);
        Volatile.Write(ref _jobExceeded, 0);
        Volatile.Write(ref _jobLimit, limitBytes);
        Volatile.Write(ref _jobActive, 1);
    }

    /// <summary>Ends the job: its peak stays as measured, and allocations are bounded by <see cref="MaxAllocationBytes"/> alone again.</summary>
    public void EndJob()
    {
        Volatile.Write(ref _jobActive, 0);
        Volatile.Write(ref _jobLimit, long.MaxValue);
    }

    protected override int GetBufferCapacityInBytes() => BlockBytes;

    public override IMemoryOwner<T> Allocate<T>(int length, AllocationOptions options = AllocationOptions.None)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(length);
        var bytes = (long)length * Unsafe.SizeOf<T>();
        if (bytes > MaxAllocationBytes)
        {
            throw new InvalidMemoryOperationException($"Requested {bytes} bytes in one allocation; the limit is {MaxAllocationBytes}.");
        }

        var inUse = Interlocked.Add(ref _bytesInUse, bytes);
        var jobBytes = inUse - Volatile.Read(ref _jobStartBytes);
        var limit = Volatile.Read(ref _jobLimit);
        if (jobBytes > limit)
        {
            Interlocked.Add(ref _bytesInUse, -bytes);
            Volatile.Write(ref _jobExceeded, 1);
            throw new ReservationExceededException(jobBytes, limit);
        }

        if (Volatile.Read(ref _jobActive) != 0)
        {
            RaisePeak(jobBytes);
        }

        try
        {
            var array = (options & AllocationOptions.Clean) != 0 ? new T[length] : GC.AllocateUninitializedArray<T>(length);
            return new Owner<T>(this, array, bytes);
        }
        catch
        {
            Interlocked.Add(ref _bytesInUse, -bytes);
            throw;
        }
    }

    private void RaisePeak(long bytes)
    {
        var peak = Volatile.Read(ref _jobPeak);
        while (bytes > peak)
        {
            var seen = Interlocked.CompareExchange(ref _jobPeak, bytes, peak);
            if (seen == peak)
            {
                return;
            }

            peak = seen;
        }
    }

    private sealed class Owner<T>(GcImageAllocator allocator, T[] array, long bytes) : IMemoryOwner<T>
    {
        private T[]? _array = array;

        public Memory<T> Memory => _array ?? throw new ObjectDisposedException(nameof(GcImageAllocator));

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _array, null) is not null)
            {
                Interlocked.Add(ref allocator._bytesInUse, -bytes);
            }
        }
    }
}

/// <summary>
/// A decode asked for more image memory than its request reserved: the image is not what its header
/// says (answered 422 <c>corrupt-image</c>). An <see cref="InvalidMemoryOperationException"/>, so
/// ImageSharp and the image counter (<c>ImageCounter</c>) treat it as the allocation failure it is.
/// </summary>
public sealed class ReservationExceededException(long requestedBytes, long limitBytes)
    : InvalidMemoryOperationException($"Decoding needs {requestedBytes} bytes of image memory; the request reserved {limitBytes}.")
{
    public long RequestedBytes { get; } = requestedBytes;

    public long LimitBytes { get; } = limitBytes;
}
