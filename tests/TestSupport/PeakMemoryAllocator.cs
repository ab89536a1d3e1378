using System.Buffers;
using System.Runtime.CompilerServices;
using SixLabors.ImageSharp.Memory;

namespace ImageGateway.TestSupport;

/// <summary>
/// An image allocator shaped like the backend's <c>GcImageAllocator</c> (GC arrays, buffers split in
/// 1 MiB blocks) that records the most bytes it held at once: the figure a decode's reservation is
/// checked against.
/// </summary>
public sealed class PeakMemoryAllocator : MemoryAllocator
{
    private const int BlockBytes = 1024 * 1024;

    private long _inUse;
    private long _peak;

    /// <summary>Bytes allocated and not yet returned.</summary>
    public long InUse => Interlocked.Read(ref _inUse);

    /// <summary>The most bytes held at once since the last <see cref="ResetPeak"/>.</summary>
    public long Peak => Interlocked.Read(ref _peak);

    /// <summary>Starts a new measurement from what is held now.</summary>
    public void ResetPeak() => Interlocked.Exchange(ref _peak, InUse);

    protected override int GetBufferCapacityInBytes() => BlockBytes;

    public override IMemoryOwner<T> Allocate<T>(int length, AllocationOptions options = AllocationOptions.None)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(length);
        var bytes = (long)length * Unsafe.SizeOf<T>();
        var array = new T[length];
        var now = Interlocked.Add(ref _inUse, bytes);
        long peak;
        while (now > (peak = Interlocked.Read(ref _peak)) && Interlocked.CompareExchange(ref _peak, now, peak) != peak)
        {
        }

        return new Owner<T>(this, array, bytes);
    }

    private sealed class Owner<T>(PeakMemoryAllocator allocator, T[] array, long bytes) : IMemoryOwner<T>
    {
        private T[]? _array = array;

        public Memory<T> Memory => _array ?? throw new ObjectDisposedException(nameof(PeakMemoryAllocator));

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _array, null) is not null)
            {
                Interlocked.Add(ref allocator._inUse, -bytes);
            }
        }
    }
}
