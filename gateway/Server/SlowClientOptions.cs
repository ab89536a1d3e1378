using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.Options;

namespace ImageGateway.Gateway.Server;

/// <summary>
/// How slow a client may be before Kestrel drops it, bound from the <c>SlowClients</c> section, so a
/// slowloris upload cannot hold a decode-budget permit (or a connection) for long.
/// </summary>
public sealed class SlowClientOptions
{
    public const string SectionName = "SlowClients";

    /// <summary>Time allowed to receive the request headers. Default 10 s.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "00:10:00")]
    public TimeSpan RequestHeadersTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// Slowest average upload rate, in bytes a second, once the grace period is over. Default 8 KiB/s:
    /// a 32 MiB upload may take up to ~70 minutes, a trickle of a few bytes a second is cut.
    /// </summary>
    [Range(1, int.MaxValue)]
    public double MinRequestBodyBytesPerSecond { get; set; } = 8 * 1024;

    /// <summary>Time before the minimum rate is enforced. Default 5 s; Kestrel requires more than 1 s.</summary>
    [Range(typeof(TimeSpan), "00:00:02", "00:10:00")]
    public TimeSpan MinRequestBodyGracePeriod { get; set; } = TimeSpan.FromSeconds(5);
}

/// <summary>Checks <see cref="SlowClientOptions"/> at start-up (source-generated from the attributes); a bad value names its key.</summary>
[OptionsValidator]
public sealed partial class SlowClientOptionsValidator : IValidateOptions<SlowClientOptions>;
