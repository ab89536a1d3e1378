using Microsoft.Extensions.Options;

namespace ImageGateway.Common.Hosting;

/// <summary>
/// How an app stops on SIGTERM (section <c>Shutdown</c>): first it reports not ready for
/// <see cref="DrainDelay"/> while still serving, so load balancers (the gateway's active health checks,
/// a Kubernetes Service) take it out of rotation; then it stops accepting connections and gives the
/// requests in flight up to <see cref="InFlightTimeout"/> to finish before they are aborted.
/// </summary>
public sealed class GracefulShutdownOptions
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
}

/// <summary>
/// Checks <see cref="GracefulShutdownOptions"/> at start-up, naming the key. Hand-written rather than
/// data annotations: <c>Range(typeof(TimeSpan), ...)</c> and reflection-based validation are not
/// available to the Native AOT backend.
/// </summary>
public sealed class GracefulShutdownOptionsValidator : IValidateOptions<GracefulShutdownOptions>
{
    public ValidateOptionsResult Validate(string? name, GracefulShutdownOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var failures = new List<string>();
        if (options.DrainDelay < TimeSpan.Zero || options.DrainDelay > TimeSpan.FromMinutes(5))
        {
            failures.Add($"{GracefulShutdownOptions.SectionName}:{nameof(GracefulShutdownOptions.DrainDelay)} must be 0 to 5 min, not {options.DrainDelay}.");
        }

        if (options.InFlightTimeout < TimeSpan.FromMilliseconds(1) || options.InFlightTimeout > TimeSpan.FromMinutes(10))
        {
            failures.Add($"{GracefulShutdownOptions.SectionName}:{nameof(GracefulShutdownOptions.InFlightTimeout)} must be 1 ms to 10 min, not {options.InFlightTimeout}.");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
