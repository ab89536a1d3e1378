using System.Buffers;
using System.IO.Pipelines;
using ImageGateway.Common.Problems;

namespace ImageGateway.Backend.Counting;

/// <summary>
/// A request body read whole into one buffer rented from the shared pool, returned on dispose.
/// Decoders need random access, so the body is held; the byte limit bounds what that costs.
/// </summary>
public sealed class RequestBody : IDisposable
{
    private byte[]? _buffer;

    private RequestBody(byte[] buffer, int length)
    {
        _buffer = buffer;
        Length = length;
    }

    public int Length { get; }

    public ReadOnlyMemory<byte> Memory =>
        _buffer is null ? throw new ObjectDisposedException(nameof(RequestBody)) : _buffer.AsMemory(0, Length);

    /// <summary>Reads the whole body, refusing it as soon as it is known to be over <paramref name="maxBytes"/>.</summary>
    /// <exception cref="ImageRejectedException">Empty (400) or over the limit (413).</exception>
    public static async Task<RequestBody> ReadAsync(PipeReader reader, long? contentLength, long maxBytes, CancellationToken cancellationToken)
    {
        if (contentLength > maxBytes)
        {
            throw TooLarge(maxBytes, $"Content-Length is {contentLength} bytes");
        }

        if (contentLength == 0)
        {
            throw Empty();
        }

        var initial = (int)Math.Min(contentLength ?? 64 * 1024, maxBytes);
        var buffer = ArrayPool<byte>.Shared.Rent(Math.Max(initial, 1));
        var length = 0;
        try
        {
            while (true)
            {
                var result = await reader.ReadAsync(cancellationToken);
                var data = result.Buffer;
                if (length + data.Length > maxBytes)
                {
                    throw TooLarge(maxBytes, $"the body is more than {maxBytes} bytes");
                }

                if (length + data.Length > buffer.Length)
                {
                    var larger = ArrayPool<byte>.Shared.Rent((int)Math.Min(maxBytes, Math.Max(buffer.Length * 2L, length + data.Length)));
                    buffer.AsSpan(0, length).CopyTo(larger);
                    ArrayPool<byte>.Shared.Return(buffer);
                    buffer = larger;
                }

                data.CopyTo(buffer.AsSpan(length));
                length += (int)data.Length;
                reader.AdvanceTo(data.End);
                if (result.IsCompleted)
                {
                    break;
                }
            }

            if (length == 0)
            {
                throw Empty();
            }

            return new RequestBody(buffer, length);
        }
        catch
        {
            ArrayPool<byte>.Shared.Return(buffer);
            throw;
        }
    }

    public void Dispose()
    {
        if (_buffer is { } buffer)
        {
            _buffer = null;
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private static ImageRejectedException TooLarge(long maxBytes, string seen) =>
        new(ProblemTypes.BodyTooLarge, $"The body limit is {maxBytes} bytes; {seen}.");

    private static ImageRejectedException Empty() =>
        new(ProblemTypes.EmptyBody, "The request body is empty; send the image bytes as the body.");
}
