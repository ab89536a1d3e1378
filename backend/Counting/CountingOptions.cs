using System.ComponentModel.DataAnnotations;
using ImageGateway.Common.Imaging.Headers;
using Microsoft.Extensions.Options;

namespace ImageGateway.Backend.Counting;

/// <summary>Limits on what the counting endpoint accepts. Bound from the <c>Counting</c> section.</summary>
public sealed class CountingOptions
{
    public const string SectionName = "Counting";

    /// <summary>Largest request body accepted, in bytes; over it the answer is 413. Default 32 MiB.</summary>
    [Range(1, int.MaxValue)]
    public long MaxBodyBytes { get; set; } = UploadLimits.DefaultMaxBodyBytes;

    /// <summary>Largest width accepted, in pixels; over it the answer is 422. Default 16384.</summary>
    [Range(1, int.MaxValue)]
    public int MaxWidth { get; set; } = UploadLimits.DefaultMaxWidth;

    /// <summary>Largest height accepted, in pixels; over it the answer is 422. Default 16384.</summary>
    [Range(1, int.MaxValue)]
    public int MaxHeight { get; set; } = UploadLimits.DefaultMaxHeight;

    /// <summary>Largest width x height accepted; over it the answer is 422. Default 40 megapixels.</summary>
    [Range(1, long.MaxValue)]
    public long MaxPixels { get; set; } = UploadLimits.DefaultMaxPixels;

    /// <summary>The limits as the header model takes them.</summary>
    public UploadLimits ToUploadLimits() => new(MaxBodyBytes, MaxWidth, MaxHeight, MaxPixels);
}

/// <summary>Source-generated validation of <see cref="CountingOptions"/> (no reflection, so it works under Native AOT).</summary>
[OptionsValidator]
public sealed partial class CountingOptionsValidator : IValidateOptions<CountingOptions>;
