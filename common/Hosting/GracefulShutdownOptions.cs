using System.ComponentModel.DataAnnotations;

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
    /// unhealthy (active checks every 2 s, 2 consecutive failures, 1 s timeout).
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00", "00:05:00")]
    public TimeSpan DrainDelay { get; set; } = TimeSpan.FromSeconds(6);

    /// <summary>Longest wait for requests in flight once the listener is closed. Default 20 s.</summary>
    [Range(typeof(TimeSpan), "00:00:00.001", "00:10:00")]
    public TimeSpan InFlightTimeout { get; set; } = TimeSpan.FromSeconds(20);

    /// <summary>The whole stop: what <c>HostOptions.ShutdownTimeout</c> is set to, and what a pod's grace period must cover.</summary>
    public TimeSpan Total => DrainDelay + InFlightTimeout;
}
