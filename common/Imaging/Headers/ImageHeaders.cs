using ImageGateway.Common.Problems;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.Formats;
using SixLabors.ImageSharp.Formats.Bmp;
using SixLabors.ImageSharp.Formats.Gif;
using SixLabors.ImageSharp.Formats.Jpeg;
using SixLabors.ImageSharp.Formats.Pbm;
using SixLabors.ImageSharp.Formats.Png;
using SixLabors.ImageSharp.Formats.Webp;
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

        var reader = ReaderOf(format);
        var read = reader switch
        {
            Format.Png => PngHeader.Read(data, complete, bodyLength),
            Format.Gif => GifHeader.Read(data, complete, bodyLength),
            Format.Netpbm => NetpbmHeader.Read(data, complete, bodyLength),
            Format.Jpeg => JpegHeader.Read(data, complete, bodyLength),
            Format.Bmp => BmpHeader.Read(data, complete, bodyLength),
            _ => WebpHeader.Read(data, complete, bodyLength),
        };

        if (read.Outcome == HeaderOutcome.Accepted)
        {
            return CheckDimensions(read.Facts!, limits) ?? read;
        }

        if (read.Outcome == HeaderOutcome.NeedMoreData)
        {
            return complete ? HeaderRead.Corrupt($"The {SafeImageConfiguration.ShortName(format)} image ends within its header ({data.Length} bytes).") : read;
        }

        // Refused. A header over the dimension limits is answered as such even when its body is
        // also cut short or broken further on: read the structures again as a prefix (no end-of-body
        // checks) and apply the limits to the facts found. Only refusals pay for the second walk.
        var asPrefix = reader switch
        {
            Format.Png => PngHeader.Read(data, complete: false, bodyLength: null),
            Format.Gif => GifHeader.Read(data, complete: false, bodyLength: null),
            Format.Netpbm => NetpbmHeader.Read(data, complete: false, bodyLength: null),
            Format.Jpeg => JpegHeader.Read(data, complete: false, bodyLength: null),
            Format.Bmp => BmpHeader.Read(data, complete: false, bodyLength: null),
            _ => WebpHeader.Read(data, complete: false, bodyLength: null),
        };
        return asPrefix.Outcome == HeaderOutcome.Accepted && CheckDimensions(asPrefix.Facts!, limits) is { Problem: var problem } tooLarge
            && problem == ProblemTypes.ImageTooLarge
            ? tooLarge
            : read;
    }

    private enum Format
    {
        Png,
        Gif,
        Netpbm,
        Jpeg,
        Bmp,
        Webp,
    }

    /// <summary>The reader of an accepted format, by its ImageSharp format instance (no string work on the hot path).</summary>
    private static Format ReaderOf(IImageFormat format) => format switch
    {
        PngFormat => Format.Png,
        GifFormat => Format.Gif,
        PbmFormat => Format.Netpbm,
        JpegFormat => Format.Jpeg,
        BmpFormat => Format.Bmp,
        WebpFormat => Format.Webp,
        _ => throw new InvalidOperationException($"No header reader for the accepted format {format.Name}."),
    };

    /// <summary>
    /// The backend's last step before decoding a body the header model accepted: the checks of the
    /// image data that cost a pass over it (which the gateway cannot afford on every upload), and the
    /// normalisations that make ImageSharp 2.1.13 read what the reference decoders read (the count
    /// stays the reference count). Returns the bytes to decode, or a refusal. <paramref name="facts"/>
    /// must be read from this whole body (a prefix's facts count only the image data seen).
    /// </summary>
    public static PreparedImage Prepare(ReadOnlyMemory<byte> body, ImageFacts facts)
    {
        ArgumentNullException.ThrowIfNull(facts);
        return facts switch
        {
            PngFacts png => PngImageData.Prepare(body, png),
            GifFacts gif => GifImageData.Prepare(body, gif),
            NetpbmFacts netpbm => NetpbmImageData.Prepare(body, netpbm),
            JpegFacts { NeedsNormalising: true } jpeg => PreparedImage.Decode(JpegNormaliser.Normalise(body, jpeg)),
            BmpFacts { NeedsNormalising: true } bmp => PreparedImage.Decode(BmpNormaliser.Normalise(body, bmp)),
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
