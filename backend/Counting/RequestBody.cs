using System.Buffers;
using System.IO.Pipelines;
using ImageGateway.Backend.Admission;
using ImageGateway.Common.Problems;

namespace ImageGateway.Backend.Counting;

/// <summary>
/// A request body read whole into one array. Decoders need random access, so the body is held; its
/// bytes are reserved from the decode budget before they are read (the Content-Length at once, or
/// each growth of the buffer when the length is not announced), so bodies and decodes share one
/// account. The array is a plain GC array sized to the body, not a pooled one: a pool would keep
/// the memory after the request, outside the budget, in a heap of a few tens of MiB.
/// </summary>
public sealed class RequestBody
{
    private const int InitialUnknownLengthBytes = 64 * 1024;

    private readonly byte[] _buffer;

    private RequestBody(byte[] buffer, int length)
    {
        _buffer = buffer;
        Length = length;
    }

    public int Length { get; }

    public ReadOnlyMemory<byte> Memory => _buffer.AsMemory(0, Length);

    /// <summary>Reads the whole body, refusing it as soon as it is known to be over <paramref name="maxBytes"/>.</summary>
    /// <exception cref="ImageRejectedException">Empty (400) or over the limit (413).</exception>
    /// <exception cref="AdmissionRefusedException">No room in the budget for the body now.</exception>
    public static async Task<RequestBody> ReadAsync(PipeReader reader, long? contentLength, long maxBytes, DecodeAdmission.Reservation reservation, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(reader);
        ArgumentNullException.ThrowIfNull(reservation);
        if (contentLength > maxBytes)
        {
            throw TooLarge(maxBytes, $"Content-Length is {contentLength} bytes");
        }

        if (contentLength == 0)
        {
            throw Empty();
        }

        var capacity = (int)(contentLength ?? Math.Min(InitialUnknownLengthBytes, maxBytes));
        await reservation.AddAsync(capacity, "the request body", cancellationToken);
        var buffer = GC.AllocateUninitializedArray<byte>(capacity);
        var length = 0;
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
                // Only without a Content-Length (Kestrel holds a body to its announced length).
                var larger = (int)Math.Min(maxBytes, Math.Max(buffer.Length * 2L, length + data.Length));
                await reservation.AddAsync(larger, "the request body", cancellationToken);
                var grown = GC.AllocateUninitializedArray<byte>(larger);
                buffer.AsSpan(0, length).CopyTo(grown);
                buffer = grown;
            }

            data.CopyTo(buffer.AsSpan(length));
            length += (int)data.Length;
            reader.AdvanceTo(data.End);
            if (result.IsCompleted)
            {
                break;
            }
        }

        return length == 0 ? throw Empty() : new RequestBody(buffer, length);
    }

    private static ImageRejectedException TooLarge(long maxBytes, string seen) =>
        new(ProblemTypes.BodyTooLarge, $"The body limit is {maxBytes} bytes; {seen}.");

    private static ImageRejectedException Empty() =>
        new(ProblemTypes.EmptyBody, "The request body is empty; send the image bytes as the body.");
}
