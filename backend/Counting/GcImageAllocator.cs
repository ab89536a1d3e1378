using System.Buffers;
using System.Runtime.CompilerServices;
using SixLabors.ImageSharp.Memory;

namespace ImageGateway.Backend.Counting;

/// <summary>
/// ImageSharp's memory, all of it on the GC heap and none of it pooled: the GC heap hard limit then
/// bounds decoding, and an overrun is a catchable <see cref="OutOfMemoryException"/> (answered 503),
/// never a kernel OOM kill. (ImageSharp's default allocator puts buffers over 1 MB in unmanaged memory
/// and pools them, outside both the hard limit and the decode budget.) Like
/// <see cref="SimpleGcMemoryAllocator"/>, with the two limits stated explicitly: image buffers are
/// split into blocks of at most <see cref="BlockBytes"/> (a large image needs no single huge
/// contiguous array in a small, possibly fragmented heap), and no one allocation may exceed
/// <see cref="MaxAllocationBytes"/> (over it ImageSharp's <see cref="InvalidMemoryOperationException"/>,
/// answered 422). <see cref="BytesInUse"/> is reported as a metric.
/// </summary>
public sealed class GcImageAllocator : MemoryAllocator
{
    /// <summary>Largest block of one image buffer. Rows never straddle blocks; 1 MiB holds any row up to 16384 Rgba64 pixels (128 KiB) eight times over, and small blocks fill the holes of a fragmented large-object heap (measured: 4 MiB blocks left 6-8 MiB committed but unusable in a 26 MiB heap).</summary>
    public const int BlockBytes = 1024 * 1024;

    private long _bytesInUse;

    public GcImageAllocator(long maxAllocationBytes)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxAllocationBytes, 1);
        MaxAllocationBytes = maxAllocationBytes;
    }

    /// <summary>Largest single allocation, in bytes.</summary>
    public long MaxAllocationBytes { get; }

    /// <summary>Bytes of image buffers allocated and not yet disposed.</summary>
    public long BytesInUse => Volatile.Read(ref _bytesInUse);

    protected override int GetBufferCapacityInBytes() => BlockBytes;

    public override IMemoryOwner<T> Allocate<T>(int length, AllocationOptions options = AllocationOptions.None)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(length);
        var bytes = (long)length * Unsafe.SizeOf<T>();
        if (bytes > MaxAllocationBytes)
        {
            throw new InvalidMemoryOperationException($"Requested {bytes} bytes in one allocation; the limit is {MaxAllocationBytes}.");
        }

        var array = (options & AllocationOptions.Clean) != 0 ? new T[length] : GC.AllocateUninitializedArray<T>(length);
        Interlocked.Add(ref _bytesInUse, bytes);
        return new Owner<T>(this, array, bytes);
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
