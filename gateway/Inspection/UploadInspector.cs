using ImageGateway.Common.Imaging;
using ImageGateway.Common.Problems;
using Microsoft.Extensions.Options;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.Memory;

namespace ImageGateway.Gateway.Inspection;

/// <summary>The verdict on a prefix of an upload.</summary>
public sealed record InspectionVerdict(ImageHeader? Header, ProblemType? Problem, string? Detail)
{
    /// <summary>Read more of the body (up to the peek window) and ask again.</summary>
    public static readonly InspectionVerdict NeedMoreData = new(null, null, null);

    /// <summary>For an accepted upload: what decoding it will cost a backend depends on.</summary>
    public DecodeCostFacts? Cost { get; init; }

    public bool IsNeedMoreData => Header is null && Problem is null;

    public bool IsAccepted => Header is not null;

    public static InspectionVerdict Accept(ImageHeader header, DecodeCostFacts cost) => new(header, null, null) { Cost = cost };

    public static InspectionVerdict Reject(ProblemType problem, string detail) => new(null, problem, detail);
}

/// <summary>
/// Decides from the first bytes of an upload whether it may go to a backend: the same accepted
/// formats (<see cref="SafeImageConfiguration"/>), size limits and known decoder defects
/// (<see cref="KnownDecoderDefects"/>) the backend applies, judged from the header alone.
/// Knows nothing of HTTP.
/// </summary>
public sealed class UploadInspector(IOptions<InspectionOptions> options)
{
    private static readonly Configuration Accepted = SafeImageConfiguration.Create(MemoryAllocator.Default);

    private readonly InspectionOptions _options = options.Value;

    /// <summary>
    /// Bytes format detection needs before it can say "not an image": more than the longest header
    /// any ImageSharp 2.1 detector reads (TGA's 18; the detectors' sizes are internal).
    /// </summary>
    public const int DetectionBytes = 32;

    /// <summary>
    /// Judges <paramref name="prefix"/>, the first bytes of the body (at most the peek window).
    /// <paramref name="complete"/> says the prefix is the whole body; <paramref name="bodyLength"/>
    /// is the declared length when there is one.
    /// </summary>
    public InspectionVerdict Inspect(ReadOnlySpan<byte> prefix, bool complete, long? bodyLength)
    {
        if (prefix.IsEmpty && complete)
        {
            return InspectionVerdict.Reject(ProblemTypes.EmptyBody, "The request body is empty; send the image bytes as the body.");
        }

        var windowFull = prefix.Length >= _options.PeekBytes;
        if (!complete && !windowFull && prefix.Length < DetectionBytes)
        {
            return InspectionVerdict.NeedMoreData;
        }

        var format = Image.DetectFormat(Accepted, prefix);
        if (format is null)
        {
            var known = SafeImageConfiguration.DetectAnyFormatName(prefix);
            var accepted = string.Join(", ", SafeImageConfiguration.AcceptedFormats);
            return known is null
                ? InspectionVerdict.Reject(ProblemTypes.NotAnImage, $"The body is not an image in any accepted format ({accepted}).")
                : InspectionVerdict.Reject(ProblemTypes.UnsupportedFormat, $"The body is a {known} image; accepted formats are {accepted}.");
        }

        var name = SafeImageConfiguration.ShortName(format);
        var read = ImageHeaderReader.Read(name, prefix);
        if (read.IsNeedMoreData)
        {
            if (complete)
            {
                return InspectionVerdict.Reject(ProblemTypes.CorruptImage, $"The {name} image ends within its header ({prefix.Length} bytes).");
            }

            return windowFull
                ? InspectionVerdict.Reject(ProblemTypes.HeaderNotFound,
                    $"No {name} size was found within the first {_options.PeekBytes} bytes (the gateway's peek window).")
                : InspectionVerdict.NeedMoreData;
        }

        if (read.Invalid is { } invalid)
        {
            return InspectionVerdict.Reject(ProblemTypes.CorruptImage, invalid);
        }

        var header = read.Header!;
        if (CheckSize(header) is { } tooLarge)
        {
            return tooLarge;
        }

        var length = complete ? prefix.Length : bodyLength ?? long.MaxValue;
        if (KnownDecoderDefects.Check(name, prefix, length) is { } defect)
        {
            return InspectionVerdict.Reject(ProblemTypes.CorruptImage, defect);
        }

        // Within the limits, so the sides fit an int. A streamed body is weighed as the peek window.
        var encodedBytes = complete ? prefix.Length : bodyLength ?? _options.PeekBytes;
        return InspectionVerdict.Accept(header, DecodeCostFacts.FromHeader(header.Format, (int)header.Width, (int)header.Height, encodedBytes, prefix));
    }

    private InspectionVerdict? CheckSize(ImageHeader header)
    {
        if (header.Width <= 0 || header.Height <= 0)
        {
            return InspectionVerdict.Reject(ProblemTypes.CorruptImage,
                $"The {header.Format} header declares {header.Width}x{header.Height} pixels; both sides must be positive.");
        }

        if (TooLarge($"{header.Format} image", header.Width, header.Height) is { } image)
        {
            return image;
        }

        // The GIF decoder allocates the first frame as declared, wherever it lies.
        return TooLarge($"first frame of the {header.Format} image", header.FirstFrameWidth, header.FirstFrameHeight);
    }

    private InspectionVerdict? TooLarge(string subject, long width, long height)
    {
        if (width > _options.MaxWidth || height > _options.MaxHeight)
        {
            return InspectionVerdict.Reject(ProblemTypes.ImageTooLarge,
                $"The {subject} is {width}x{height}; the limit is {_options.MaxWidth}x{_options.MaxHeight}.");
        }

        var pixels = width * height;
        if (pixels > _options.MaxPixels)
        {
            return InspectionVerdict.Reject(ProblemTypes.ImageTooLarge,
                $"The {subject} has {pixels} pixels ({width}x{height}); the limit is {_options.MaxPixels} pixels.");
        }

        return null;
    }
}
