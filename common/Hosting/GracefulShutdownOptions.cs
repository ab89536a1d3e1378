using System.ComponentModel.DataAnnotations;
using ImageGateway.Common.Settings;
using Microsoft.Extensions.Options;

namespace ImageGateway.Common.Hosting;

/// <summary>
/// How an app stops on SIGTERM (section <c>Shutdown</c>): first it reports not ready for
/// <see cref="DrainDelay"/> while still serving, so load balancers (the gateway's active health checks,
/// a Kubernetes Service) take it out of rotation; then it stops accepting connections and gives the
/// requests in flight up to <see cref="InFlightTimeout"/> to finish before they are aborted.
/// </summary>
/// <remarks>
/// The ranges are in <see cref="Validate"/>, not <c>[Range(typeof(TimeSpan), ...)]</c>: the options
/// validation generator's copy of that attribute ignores <c>ErrorMessage</c> and would name
/// <c>GracefulShutdownOptions.DrainDelay</c> instead of the key <c>Shutdown:DrainDelay</c>.
/// </remarks>
public sealed class GracefulShutdownOptions : IValidatableObject
{
    public const string SectionName = "Shutdown";

    /// <summary>
    /// Not ready but still serving. Default 6 s: longer than the gateway needs to mark a backend
    /// unhealthy (active checks every 2 s, 2 consecutive failures, 1 s timeout). 0 to 5 min.
    /// </summary>
    public TimeSpan DrainDelay { get; set; } = TimeSpan.FromSeconds(6);

    /// <summary>Longest wait for requests in flight once the listener is closed. Default 20 s; 1 ms to 10 min.</summary>
    public TimeSpan InFlightTimeout { get; set; } = TimeSpan.FromSeconds(20);

    /// <summary>The whole stop: what <c>HostOptions.ShutdownTimeout</c> is set to, and what a pod's grace period must cover.</summary>
    public TimeSpan Total => DrainDelay + InFlightTimeout;

    /// <summary>The drain delay 0 to 5 min, the in-flight timeout 1 ms to 10 min; called by the generated validator.</summary>
    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext) => OptionRules.Failures(
        OptionRules.Within(DrainDelay, TimeSpan.Zero, TimeSpan.FromMinutes(5), SectionName, nameof(DrainDelay)),
        OptionRules.Within(InFlightTimeout, TimeSpan.FromMilliseconds(1), TimeSpan.FromMinutes(10), SectionName, nameof(InFlightTimeout)));
}

/// <summary>Checks <see cref="GracefulShutdownOptions"/> at start-up (source-generated, so no reflection for the Native AOT backend: it calls <see cref="GracefulShutdownOptions.Validate"/>); a bad value names its key.</summary>
[OptionsValidator]
public sealed partial class GracefulShutdownOptionsValidator : IValidateOptions<GracefulShutdownOptions>;
