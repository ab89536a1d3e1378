using System.ComponentModel.DataAnnotations;
using ImageGateway.Common.Settings;
using Microsoft.Extensions.Options;

namespace ImageGateway.Common.Observability;

/// <summary>How many refusals per reason get a log line (section <c>RefusalLogs</c>).</summary>
/// <remarks>
/// The interval's range is in <see cref="Validate"/>, not <c>[Range(typeof(TimeSpan), ...)]</c>: the
/// options validation generator's copy of that attribute ignores <c>ErrorMessage</c> and would not
/// name the key <c>RefusalLogs:Interval</c>.
/// </remarks>
public sealed class RefusalLogOptions : IValidatableObject
{
    public const string SectionName = "RefusalLogs";

    /// <summary>Refusals with one reason logged per interval; the rest are only counted. Default 5; 1 to 10,000.</summary>
    [Range(1, 10_000)]
    public int PerInterval { get; set; } = 5;

    /// <summary>The interval. Default 10 s; 1 s to 1 h.</summary>
    public TimeSpan Interval { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>The interval 1 s to 1 h; called by the generated validator after the attributes.</summary>
    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext) => OptionRules.Failures(
        OptionRules.Within(Interval, TimeSpan.FromSeconds(1), TimeSpan.FromHours(1), SectionName, nameof(Interval)));
}

/// <summary>Validates <see cref="RefusalLogOptions"/> at start-up (source-generated, so no reflection for the Native AOT backend: the attributes, then <see cref="RefusalLogOptions.Validate"/>); a bad value names its key.</summary>
[OptionsValidator]
public sealed partial class RefusalLogOptionsValidator : IValidateOptions<RefusalLogOptions>;
