using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.Options;

namespace ImageGateway.Common.Observability;

/// <summary>How many refusals per reason get a log line (section <c>RefusalLogs</c>).</summary>
public sealed class RefusalLogOptions
{
    public const string SectionName = "RefusalLogs";

    /// <summary>Refusals with one reason logged per interval; the rest are only counted. Default 5; 1 to 10,000.</summary>
    [Range(1, 10_000)]
    public int PerInterval { get; set; } = 5;

    /// <summary>The interval. Default 10 s; 1 s to 1 h.</summary>
    public TimeSpan Interval { get; set; } = TimeSpan.FromSeconds(10);
}

/// <summary>
/// Validates <see cref="RefusalLogOptions"/> at start-up, naming the key: the generated validator
/// for <see cref="RefusalLogOptions.PerInterval"/>, the interval by hand (<c>Range(typeof(TimeSpan), ...)</c>
/// needs reflection, which the Native AOT backend does not have).
/// </summary>
[OptionsValidator]
public sealed partial class RefusalLogOptionsValidator : IValidateOptions<RefusalLogOptions>
{
    ValidateOptionsResult IValidateOptions<RefusalLogOptions>.Validate(string? name, RefusalLogOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var builder = new ValidateOptionsResultBuilder();
        builder.AddResult(Validate(name, options));
        if (options.Interval < TimeSpan.FromSeconds(1) || options.Interval > TimeSpan.FromHours(1))
        {
            builder.AddError($"must be 1 s to 1 h, not {options.Interval}", $"{RefusalLogOptions.SectionName}:{nameof(RefusalLogOptions.Interval)}");
        }

        return builder.Build();
    }
}
