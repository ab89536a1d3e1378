using ImageGateway.Common.Problems;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.Memory;

namespace ImageGateway.Common.Imaging.Headers;

/// <summary>
/// The header model's one entry point, used by the gateway's inspection (on its peek) and the
/// backend's identification (on the whole body): detects the format with ImageSharp's own
/// detectors over the accepted formats, asks that format's reader, then applies the dimension
/// limits to the facts. <see cref="Prepare"/> is the backend's last step before decoding.
/// </summary>
public static class ImageHeaders
{
    /// <summary>
    /// Bytes format detection needs before it can say "not an image": more than the longest header
    /// any ImageSharp 2.1 detector reads (TGA's 18; the detectors' sizes are internal).
    /// </summary>
    public const int DetectionBytes = 32;

    private static readonly Configuration Accepted = SafeImageConfiguration.Create(MemoryAllocator.Default);

    private delegate HeaderRead Reader(ReadOnlySpan<byte> data, bool complete, long? bodyLength);

    /// <summary>
    /// Reads <paramref name="data"/>, the body or a prefix of it.
    /// </summary>
    /// <param name="data">The body, or its first bytes.</param>
    /// <param name="complete">Whether <paramref name="data"/> is the whole body.</param>
    /// <param name="bodyLength">The body's declared length when known (Content-Length), or <c>data.Length</c> when complete.</param>
    /// <param name="limits">The dimension limits applied to the facts.</param>
    /// <returns>
    /// NeedMoreData while the facts are not in the bytes given (never when complete); a refusal with
    /// its problem type; or the facts, when nothing in the bytes given is wrong.
    /// </returns>
    public static HeaderRead Read(ReadOnlySpan<byte> data, bool complete, long? bodyLength, UploadLimits limits)
    {
        ArgumentNullException.ThrowIfNull(limits);
        if (data.IsEmpty && complete)
        {
            return HeaderRead.Refuse(ProblemTypes.EmptyBody, "The request body is empty; send the image bytes as the body.");
        }

        if (!complete && data.Length < DetectionBytes)
        {
            return HeaderRead.NeedMoreData;
        }

        var format = Image.DetectFormat(Accepted, data);
        if (format is null)
        {
            var known = SafeImageConfiguration.DetectAnyFormatName(data);
            var accepted = string.Join(", ", SafeImageConfiguration.AcceptedFormats);
            return known is null
                ? HeaderRead.Refuse(ProblemTypes.NotAnImage, $"The body is not an image in any accepted format ({accepted}).")
                : HeaderRead.Refuse(ProblemTypes.UnsupportedFormat, $"The body is a {known} image; accepted formats are {accepted}.");
        }

        var name = SafeImageConfiguration.ShortName(format);
        Reader reader = name switch
        {
            "png" => PngHeader.Read,
            "gif" => GifHeader.Read,
            "pbm" => NetpbmHeader.Read,
            "jpeg" => JpegHeader.Read,
            "bmp" => BmpHeader.Read,
            "webp" => WebpHeader.Read,
            _ => throw new InvalidOperationException($"No header reader for the accepted format {name}."),
        };

        // First the structures as far as the bytes go, without the end-of-body checks: a header over
        // the dimension limits is answered as such even when its body is also cut short.
        var read = reader(data, complete: false, bodyLength: null);
        if (read.Outcome == HeaderOutcome.Accepted && CheckDimensions(read.Facts!, limits) is { } refused)
        {
            return refused;
        }

        if (read.Outcome != HeaderOutcome.Refused && (complete || bodyLength is not null))
        {
            read = reader(data, complete, complete ? data.Length : bodyLength);
        }

        return read.Outcome switch
        {
            HeaderOutcome.NeedMoreData when complete => HeaderRead.Corrupt($"The {name} image ends within its header ({data.Length} bytes)."),
            HeaderOutcome.Accepted => CheckDimensions(read.Facts!, limits) ?? read,
            _ => read,
        };
    }

    /// <summary>
    /// The backend's last step before decoding a body the header model accepted: the checks of the
    /// image data that cost a pass over it (which the gateway cannot afford on every upload), and the
    /// normalisations that make ImageSharp 2.1.13 read what the reference decoders read (the count
    /// stays the reference count). Returns the bytes to decode, or a refusal.
    /// </summary>
    public static PreparedImage Prepare(ReadOnlyMemory<byte> body, ImageFacts facts)
    {
        ArgumentNullException.ThrowIfNull(facts);
        return facts switch
        {
            PngFacts png => PngImageData.Prepare(body, png),
            GifFacts gif => GifImageData.Prepare(body, gif),
            NetpbmFacts netpbm => NetpbmImageData.Prepare(body, netpbm),
            _ => PreparedImage.Decode(body),
        };
    }

    private static HeaderRead? CheckDimensions(ImageFacts facts, UploadLimits limits)
    {
        if (facts.Width <= 0 || facts.Height <= 0)
        {
            return HeaderRead.Corrupt($"The {facts.Format} header declares {facts.Width}x{facts.Height} pixels; both sides must be positive.");
        }

        if (facts.Width > limits.MaxWidth || facts.Height > limits.MaxHeight)
        {
            return HeaderRead.Refuse(ProblemTypes.ImageTooLarge,
                $"The {facts.Format} image is {facts.Width}x{facts.Height}; the limit is {limits.MaxWidth}x{limits.MaxHeight}.");
        }

        if (facts.Pixels > limits.MaxPixels)
        {
            return HeaderRead.Refuse(ProblemTypes.ImageTooLarge,
                $"The {facts.Format} image has {facts.Pixels} pixels ({facts.Width}x{facts.Height}); the limit is {limits.MaxPixels} pixels.");
        }

        return null;
    }
}
