using System.ComponentModel.DataAnnotations;
using ImageGateway.Common.Imaging.Headers;
using ImageGateway.Common.Settings;
using Microsoft.Extensions.Options;

namespace ImageGateway.Gateway.Inspection;

/// <summary>
/// What the gateway admits, bound from the <c>Inspection</c> section. Defaults equal the backend's
/// (<c>Counting</c> section) so that nothing the backend would count is refused here. The rules that
/// compare fields are <see cref="Validate"/>, which the generated validator calls after the ranges.
/// </summary>
public sealed class InspectionOptions : IValidatableObject
{
    public const string SectionName = "Inspection";

    /// <summary>Largest request body, in bytes; over it 413 (from Content-Length before reading, else while streaming). Default 32 MiB.</summary>
    [Range(1, long.MaxValue)]
    public long MaxBodyBytes { get; set; } = UploadLimits.DefaultMaxBodyBytes;

    /// <summary>
    /// The most bytes read from the start of a body to find the image header. Default 512 KiB: a
    /// JPEG whose SOF sits behind a few hundred KiB of EXIF/ICC/XMP segments still fits. The peeked
    /// bytes stay in Kestrel's request buffer, which is sized to hold them.
    /// </summary>
    [Range(64, 16 * 1024 * 1024)]
    public int PeekBytes { get; set; } = 512 * 1024;

    /// <summary>Largest width accepted, in pixels; over it 422. Default 16384.</summary>
    [Range(1, int.MaxValue)]
    public int MaxWidth { get; set; } = UploadLimits.DefaultMaxWidth;

    /// <summary>Largest height accepted, in pixels; over it 422. Default 16384.</summary>
    [Range(1, int.MaxValue)]
    public int MaxHeight { get; set; } = UploadLimits.DefaultMaxHeight;

    /// <summary>Largest width x height accepted; over it 422. Default 40 megapixels.</summary>
    [Range(1, long.MaxValue)]
    public long MaxPixels { get; set; } = UploadLimits.DefaultMaxPixels;

    /// <summary>The limits as the header model takes them.</summary>
    public UploadLimits ToUploadLimits() => new(MaxBodyBytes, MaxWidth, MaxHeight, MaxPixels);

    /// <summary>The peek window within the largest body; the pixel limit within the sides' product.</summary>
    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext) => OptionRules.Failures(
        PeekBytes > MaxBodyBytes
            ? OptionRules.Failure(SectionName, nameof(PeekBytes), $"({PeekBytes}) must not exceed {SectionName}:{nameof(MaxBodyBytes)} ({MaxBodyBytes})")
            : null,
        MaxPixels > (long)MaxWidth * MaxHeight
            ? OptionRules.Failure(SectionName, nameof(MaxPixels), $"({MaxPixels}) exceeds MaxWidth x MaxHeight ({(long)MaxWidth * MaxHeight}); lower it or raise the sides")
            : null);
}

/// <summary>Checks <see cref="InspectionOptions"/> at start-up (source-generated from the attributes, then its <see cref="InspectionOptions.Validate"/>); a bad value names its key.</summary>
[OptionsValidator]
public sealed partial class InspectionOptionsValidator : IValidateOptions<InspectionOptions>;

