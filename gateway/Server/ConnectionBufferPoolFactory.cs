using System.Buffers;
using System.Collections.Concurrent;
using Microsoft.AspNetCore.Connections;
using Microsoft.Extensions.Options;

namespace ImageGateway.Gateway.Server;

/// <summary>
/// Kestrel's memory pools, handing out large blocks while a global budget lasts. Kestrel's own
/// pool has 4 KiB blocks, and the socket transport receives into one block at a time (a zero-byte
/// read to wait for data, then a read), so a 5 MB upload costs the gateway some 2,500 receive
/// calls and as many wake-ups of the forwarder. With 64 KiB blocks it is sixteen times fewer.
/// What a connection buffers is still bounded in bytes by the transport's read-buffer limit, not
/// in blocks; but a connection that holds a few bytes (a slow client's partial headers) holds a
/// whole block, so large blocks are lent only up to <see cref="ConnectionBufferOptions.BudgetBytes"/>
/// in all, and past it every connection gets Kestrel's 4 KiB blocks as before: many slow
/// connections cost at most the budget more than they would without this pool. Returned blocks are
/// kept for reuse (pinned, as Kestrel's are), never more than the budget: renting from the shared
/// array pool instead made garbage faster than the server GC collected it (RSS +66 MiB with 32
/// uploads streaming). <paramref name="kestrels"/> stays the container's to dispose.
/// </summary>
internal sealed class ConnectionBufferPoolFactory(IMemoryPoolFactory<byte> kestrels, IOptions<ConnectionBufferOptions> options)
    : IMemoryPoolFactory<byte>
{
    private readonly int _blockBytes = options.Value.BlockBytes;
    private readonly long _budgetBytes = options.Value.BudgetBytes;
    private readonly ConcurrentQueue<byte[]> _free = new();
    private long _lentBytes;

    /// <summary>Bytes of large blocks lent out now.</summary>
    public long LentBytes => Interlocked.Read(ref _lentBytes);

    public MemoryPool<byte> Create(MemoryPoolOptions? options = null) => new Pool(this, kestrels.Create(options));

    /// <summary>A large block, or null when the budget is lent out. Blocks lent plus blocks kept never exceed the budget.</summary>
    private byte[]? TryLend()
    {
        if (Interlocked.Add(ref _lentBytes, _blockBytes) > _budgetBytes)
        {
            Interlocked.Add(ref _lentBytes, -_blockBytes);
            return null;
        }

        return _free.TryDequeue(out var block) ? block : GC.AllocateUninitializedArray<byte>(_blockBytes, pinned: true);
    }

    private void GiveBack(byte[] block)
    {
        _free.Enqueue(block);
        Interlocked.Add(ref _lentBytes, -_blockBytes);
    }

    private sealed class Pool(ConnectionBufferPoolFactory factory, MemoryPool<byte> small) : MemoryPool<byte>
    {
        // Kestrel's: callers size their requests (and the pipes their segments) by it; a block is
        // allowed to be larger than asked, and pipes use all of it.
        public override int MaxBufferSize => small.MaxBufferSize;

        public override IMemoryOwner<byte> Rent(int minBufferSize = -1) =>
            minBufferSize <= factory._blockBytes && factory.TryLend() is { } block
                ? new LargeBlock(factory, block)
                : small.Rent(minBufferSize);

        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                small.Dispose();
            }
        }
    }

    private sealed class LargeBlock(ConnectionBufferPoolFactory factory, byte[] array) : IMemoryOwner<byte>
    {
        private byte[]? _array = array;

        public Memory<byte> Memory => _array ?? throw new ObjectDisposedException(nameof(LargeBlock));

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _array, null) is { } returned)
            {
                factory.GiveBack(returned);
            }
        }
    }
}
