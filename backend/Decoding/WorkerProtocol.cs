using System.Buffers.Binary;
using System.Text;

namespace ImageGateway.Backend.Decoding;

/// <summary>
/// The messages between the server and a decode worker over the worker's stdin (server to worker)
/// and stdout (worker to server). Each is one frame: an operation byte, a 32-bit little-endian
/// payload length, the payload. Written by hand because the backend is Native AOT (no reflection
/// serializer) and because the body, the one large payload, must go from Kestrel's buffers into
/// the worker's array without an intermediate copy.
/// <para>
/// One conversation per upload: <see cref="WorkerOp.BodyStart"/>, any number of
/// <see cref="WorkerOp.BodyGrow"/>/<see cref="WorkerOp.BodyData"/>, then <see cref="WorkerOp.Identify"/>
/// (answered <see cref="WorkerOp.Facts"/>, <see cref="WorkerOp.Refused"/> or
/// <see cref="WorkerOp.OutOfMemory"/>), then <see cref="WorkerOp.Decode"/> (answered
/// <see cref="WorkerOp.Counted"/>, <see cref="WorkerOp.Refused"/> or <see cref="WorkerOp.OutOfMemory"/>)
/// or <see cref="WorkerOp.Discard"/>. The worker answers only Identify and Decode, and
/// <see cref="WorkerOp.Configure"/> with <see cref="WorkerOp.Ready"/> once at start.
/// </para>
/// </summary>
public static class WorkerProtocol
{
    /// <summary>Operation byte plus payload length.</summary>
    public const int HeaderBytes = 5;

    /// <summary>Largest payload of any frame but body data; a larger one means the stream is out of step.</summary>
    public const int MaxControlPayloadBytes = 64 * 1024;

    /// <summary>Bumped when a frame changes shape; the worker's Ready carries it and the server checks it.</summary>
    public const int Version = 1;

    /// <summary>The argument that starts the backend binary as a decode worker.</summary>
    public const string WorkerFlag = "--decode-worker";

    public static void WriteHeader(Span<byte> destination, WorkerOp op, int payloadLength)
    {
        destination[0] = (byte)op;
        BinaryPrimitives.WriteInt32LittleEndian(destination[1..], payloadLength);
    }

    public static (WorkerOp Op, int Length) ReadHeader(ReadOnlySpan<byte> header)
    {
        var length = BinaryPrimitives.ReadInt32LittleEndian(header[1..]);
        if (length < 0)
        {
            throw new InvalidDataException($"A frame declares {length} payload bytes.");
        }

        return ((WorkerOp)header[0], length);
    }
}

/// <summary>The operations; server-to-worker below 0x80, worker-to-server from 0x80.</summary>
public enum WorkerOp : byte
{
    /// <summary>Limits for identification: i32 max width, i32 max height, i64 max pixels. Sent once, answered Ready.</summary>
    Configure = 0x01,

    /// <summary>A new body: i64 capacity in bytes (what the server reserved for it).</summary>
    BodyStart = 0x02,

    /// <summary>The body's buffer grows to i64 capacity bytes (a body without a Content-Length).</summary>
    BodyGrow = 0x03,

    /// <summary>The next bytes of the body (the payload itself).</summary>
    BodyData = 0x04,

    /// <summary>Run the header model on the whole body. No payload.</summary>
    Identify = 0x05,

    /// <summary>Decode and count: i64 image-memory limit in bytes (the decode's reservation).</summary>
    Decode = 0x06,

    /// <summary>Forget the body without decoding. No payload, no answer.</summary>
    Discard = 0x07,

    /// <summary>The worker started: i32 protocol version, i32 process id.</summary>
    Ready = 0x81,

    /// <summary>The header model accepted the body: i64 decode cost, i32 width, i32 height, i32 decode passes, string format.</summary>
    Facts = 0x82,

    /// <summary>Refused: string problem type, string detail, i64 allocator peak (-1 when no decode ran).</summary>
    Refused = 0x83,

    /// <summary>Counted: i64 white pixels, i32 width, i32 height, string format, i64 allocator peak, i64 CPU microseconds the decode used.</summary>
    Counted = 0x84,

    /// <summary>The worker's heap had no room for the body itself (retrying can succeed): string detail, i64 allocator peak.</summary>
    OutOfMemory = 0x85,
}

/// <summary>Builds one frame's payload in a growable array; little-endian numbers, strings as u16 length + UTF-8.</summary>
public sealed class PayloadWriter
{
    private byte[] _buffer = new byte[256];

    public int Length { get; private set; }

    public ReadOnlySpan<byte> Written => _buffer.AsSpan(0, Length);

    /// <summary>The frame (header and payload) as written so far.</summary>
    public ReadOnlyMemory<byte> Frame(WorkerOp op)
    {
        var frame = new byte[WorkerProtocol.HeaderBytes + Length];
        WorkerProtocol.WriteHeader(frame, op, Length);
        Written.CopyTo(frame.AsSpan(WorkerProtocol.HeaderBytes));
        return frame;
    }

    public PayloadWriter Reset()
    {
        Length = 0;
        return this;
    }

    public PayloadWriter Int32(int value)
    {
        BinaryPrimitives.WriteInt32LittleEndian(Grow(4), value);
        return this;
    }

    public PayloadWriter Int64(long value)
    {
        BinaryPrimitives.WriteInt64LittleEndian(Grow(8), value);
        return this;
    }

    public PayloadWriter String(string value)
    {
        ArgumentNullException.ThrowIfNull(value);
        var bytes = Encoding.UTF8.GetBytes(value.Length > 8 * 1024 ? value[..(8 * 1024)] : value);
        BinaryPrimitives.WriteUInt16LittleEndian(Grow(2), (ushort)bytes.Length);
        bytes.CopyTo(Grow(bytes.Length));
        return this;
    }

    private Span<byte> Grow(int bytes)
    {
        if (Length + bytes > _buffer.Length)
        {
            Array.Resize(ref _buffer, Math.Max(_buffer.Length * 2, Length + bytes));
        }

        var span = _buffer.AsSpan(Length, bytes);
        Length += bytes;
        return span;
    }
}

/// <summary>Reads one frame's payload in order; a payload shorter than its fields is a protocol error.</summary>
public ref struct PayloadReader(ReadOnlySpan<byte> payload)
{
    private ReadOnlySpan<byte> _rest = payload;

    public int Int32()
    {
        var value = BinaryPrimitives.ReadInt32LittleEndian(Take(4));
        return value;
    }

    public long Int64() => BinaryPrimitives.ReadInt64LittleEndian(Take(8));

    public string String()
    {
        var length = BinaryPrimitives.ReadUInt16LittleEndian(Take(2));
        return Encoding.UTF8.GetString(Take(length));
    }

    private ReadOnlySpan<byte> Take(int bytes)
    {
        if (_rest.Length < bytes)
        {
            throw new InvalidDataException($"A frame's payload ends {bytes - _rest.Length} bytes early.");
        }

        var taken = _rest[..bytes];
        _rest = _rest[bytes..];
        return taken;
    }
}
