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
/// <remarks>
/// The gateway always reads the peek as a prefix (<c>complete: false</c>), even when it holds the
/// whole body: a prefix read stops once the facts are known, whereas a whole-body read also checks
/// the image data (JPEG entropy data, BMP palette indices and RLE commands, WebP prefix codes),
/// which for a crafted 500 KB lossless WebP costs over 100 times hashing its bytes (docs/formats.md,
/// "Cost in the gateway"). The backend makes those checks on every body it decodes
/// (<c>complete: true</c>). docs/formats.md lists which checks run where.
/// </remarks>
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
        var read = ImageHeaders.Read(prefix, complete: false, complete ? prefix.Length : bodyLength, _limits);
        if (read.Outcome != HeaderOutcome.NeedMoreData)
        {
            return read;
        }

        if (complete)
        {
            // The whole body and still no facts: it ends within its header (or is empty, or too short
            // to be any image). Read as the whole body for the backend's own answer; there is no image
            // data past an unfinished header, so this costs no more than the prefix read did.
            return ImageHeaders.Read(prefix, complete: true, prefix.Length, _limits);
        }

        return prefix.Length >= _options.PeekBytes
            ? HeaderRead.Refuse(ProblemTypes.HeaderNotFound,
                $"No image header was complete within the first {_options.PeekBytes} bytes (the gateway's peek window).")
            : read;
    }

    /// <summary>The body size an accepted upload is weighed by: the whole body when it was peeked whole, else its declared length, else (streamed) the peek window.</summary>
    public long EncodedBytes(long peeked, bool complete, long? bodyLength) =>
        complete ? peeked : bodyLength ?? _options.PeekBytes;
}
