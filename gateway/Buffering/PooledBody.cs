namespace ImageGateway.Gateway.Buffering;

/// <summary>
/// One upload's body held in the buffer pool: filled once from the request, then read (and re-read
/// for a retry) as a seekable stream by the forwarder. Dispose gives the blocks back.
/// </summary>
public sealed class PooledBody : Stream
{
    private readonly BufferPool _pool;
    private readonly int _reservedBlocks;
    private readonly List<byte[]> _blocks = [];
    private readonly long _capacity;
    private long _length;
    private long _position;
    private int _disposed;

    internal PooledBody(BufferPool pool, long capacity, int reservedBlocks)
    {
        _pool = pool;
        _capacity = capacity;
        _reservedBlocks = reservedBlocks;
    }

    public override bool CanRead => true;

    public override bool CanSeek => true;

    public override bool CanWrite => false;

    public override long Length => _length;

    public override long Position
    {
        get => _position;
        set => _position = Math.Clamp(value, 0, _length);
    }

    /// <summary>Appends received bytes; more than the reserved length is a caller's error.</summary>
    public void Append(ReadOnlySpan<byte> data)
    {
        if (_length + data.Length > _capacity)
        {
            throw new InvalidOperationException($"The body is longer than the {_capacity} bytes reserved for it.");
        }

        while (!data.IsEmpty)
        {
            var offset = (int)(_length % BufferPool.BlockBytes);
            if (offset == 0 && _length / BufferPool.BlockBytes == _blocks.Count)
            {
                _blocks.Add(_pool.Rent());
            }

            var block = _blocks[(int)(_length / BufferPool.BlockBytes)];
            var count = Math.Min(data.Length, block.Length - offset);
            data[..count].CopyTo(block.AsSpan(offset));
            data = data[count..];
            _length += count;
        }
    }

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override int Read(Span<byte> buffer)
    {
        var total = 0;
        while (!buffer.IsEmpty && _position < _length)
        {
            var block = _blocks[(int)(_position / BufferPool.BlockBytes)];
            var offset = (int)(_position % BufferPool.BlockBytes);
            var count = (int)Math.Min(Math.Min(buffer.Length, block.Length - offset), _length - _position);
            block.AsSpan(offset, count).CopyTo(buffer);
            buffer = buffer[count..];
            _position += count;
            total += count;
        }

        return total;
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        Task.FromResult(Read(buffer.AsSpan(offset, count)));

    public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
        ValueTask.FromResult(Read(buffer.Span));

    public override long Seek(long offset, SeekOrigin origin) => Position = origin switch
    {
        SeekOrigin.Begin => offset,
        SeekOrigin.Current => _position + offset,
        _ => _length + offset,
    };

    public override void Flush()
    {
    }

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 0)
        {
            _pool.Return(_blocks, _reservedBlocks);
            _blocks.Clear();
        }

        base.Dispose(disposing);
    }
}
