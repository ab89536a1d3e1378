using System.Collections.Concurrent;
using Microsoft.Extensions.Options;

namespace ImageGateway.Gateway.Buffering;

/// <summary>
/// Memory that holds small uploads whole before they are dispatched: blocks of <see cref="BlockBytes"/>,
/// never more than <see cref="BufferingOptions.PoolBytes"/> in all, kept for reuse when given back (the
/// gateway's memory then stays at its high-water mark instead of churning the GC with 2 MiB arrays).
/// An upload reserves all the blocks its <c>Content-Length</c> needs before it reads a byte.
/// </summary>
public sealed class BufferPool(IOptions<BufferingOptions> options)
{
    /// <summary>Size of one block.</summary>
    public const int BlockBytes = 64 * 1024;

    private readonly long _limitBytes = options.Value.PoolBytes / BlockBytes * BlockBytes;
    private readonly ConcurrentBag<byte[]> _free = [];
    private long _reservedBytes;

    /// <summary>Bytes of blocks reserved by uploads now.</summary>
    public long ReservedBytes => Interlocked.Read(ref _reservedBytes);

    /// <summary>The pool's bound in bytes (whole blocks).</summary>
    public long LimitBytes => _limitBytes;

    /// <summary>Reserves blocks for <paramref name="bodyBytes"/>; null when the pool has not that much left.</summary>
    public PooledBody? TryReserve(long bodyBytes)
    {
        var blocks = (int)((bodyBytes + BlockBytes - 1) / BlockBytes);
        var bytes = (long)blocks * BlockBytes;
        if (Interlocked.Add(ref _reservedBytes, bytes) > _limitBytes)
        {
            Interlocked.Add(ref _reservedBytes, -bytes);
            return null;
        }

        return new PooledBody(this, bodyBytes, blocks);
    }

    internal byte[] Rent() => _free.TryTake(out var block) ? block : GC.AllocateUninitializedArray<byte>(BlockBytes);

    internal void Return(List<byte[]> blocks, int reservedBlocks)
    {
        foreach (var block in blocks)
        {
            _free.Add(block);
        }

        Interlocked.Add(ref _reservedBytes, -(long)reservedBlocks * BlockBytes);
    }
}
