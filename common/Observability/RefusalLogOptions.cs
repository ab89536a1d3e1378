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
    [Range(typeof(TimeSpan), "00:00:01", "01:00:00")]
    public TimeSpan Interval { get; set; } = TimeSpan.FromSeconds(10);
}

/// <summary>Validates <see cref="RefusalLogOptions"/> at start-up (source-generated: no reflection, for Native AOT).</summary>
[OptionsValidator]
public sealed partial class RefusalLogOptionsValidator : IValidateOptions<RefusalLogOptions>;
