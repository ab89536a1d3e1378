using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace ImageGateway.Common.Hosting;

/// <summary>Unhealthy (so not ready) from the moment the app starts stopping; never throws.</summary>
internal sealed class ShutdownReadinessHealthCheck(ShutdownDrain drain) : IHealthCheck
{
    private static readonly Task<HealthCheckResult> Serving =
        Task.FromResult(HealthCheckResult.Healthy("Not stopping."));

    private static readonly Task<HealthCheckResult> Stopping =
        Task.FromResult(HealthCheckResult.Unhealthy("Stopping: draining requests in flight; send new ones elsewhere."));

    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
        drain.Draining ? Stopping : Serving;
}
