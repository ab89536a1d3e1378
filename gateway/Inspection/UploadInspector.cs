using ImageGateway.Common.Imaging.Headers;
using ImageGateway.Common.Problems;
using Microsoft.Extensions.Options;

namespace ImageGateway.Gateway.Inspection;

/// <summary>
/// Decides from the first bytes of an upload whether it may go to a backend: the header model
/// (<see cref="ImageHeaders.Read"/>, the same reader and limits the backend applies to the whole
/// body) on the peek, plus the one rule only the gateway has: a header not found within the peek
/// window. Knows nothing of HTTP.
/// </summary>
public sealed class UploadInspector(IOptions<InspectionOptions> options)
{
    private readonly InspectionOptions _options = options.Value;
    private readonly UploadLimits _limits = options.Value.ToUploadLimits();

    /// <summary>
    /// Judges <paramref name="prefix"/>, the first bytes of the body (at most the peek window).
    /// <paramref name="complete"/> says the prefix is the whole body; <paramref name="bodyLength"/>
    /// is the declared length when there is one.
    /// </summary>
    public HeaderRead Inspect(ReadOnlySpan<byte> prefix, bool complete, long? bodyLength)
    {
        var read = ImageHeaders.Read(prefix, complete, bodyLength, _limits);
        return read.Outcome == HeaderOutcome.NeedMoreData && prefix.Length >= _options.PeekBytes
            ? HeaderRead.Refuse(ProblemTypes.HeaderNotFound,
                $"No image header was complete within the first {_options.PeekBytes} bytes (the gateway's peek window).")
            : read;
    }

    /// <summary>The body size an accepted upload is weighed by: the whole body when it was peeked whole, else its declared length, else (streamed) the peek window.</summary>
    public long EncodedBytes(long peeked, bool complete, long? bodyLength) =>
        complete ? peeked : bodyLength ?? _options.PeekBytes;
}
