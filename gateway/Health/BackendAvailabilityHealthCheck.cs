using Microsoft.Extensions.Diagnostics.HealthChecks;
using Yarp.ReverseProxy;

namespace ImageGateway.Gateway.Health;

/// <summary>
/// Reports each cluster's destinations and their health as YARP sees them: Healthy while every
/// cluster has an available destination, else Degraded (the gateway still answers, with
/// <c>no-healthy-backend</c>). Management port only; readiness does not depend on it.
/// </summary>
internal sealed class BackendAvailabilityHealthCheck(IProxyStateLookup proxyState) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var data = new Dictionary<string, object>();
        var unavailable = new List<string>();
        foreach (var cluster in proxyState.GetClusters())
        {
            var available = cluster.DestinationsState.AvailableDestinations.Count;
            // Dictionaries, not anonymous objects: the shared writer (HealthResponses) uses no reflection.
            data[cluster.ClusterId] = new Dictionary<string, object>
            {
                ["available"] = available,
                ["destinations"] = cluster.Destinations.Values.ToDictionary(
                    d => d.DestinationId,
                    d => (object)new Dictionary<string, object> { ["active"] = d.Health.Active.ToString(), ["passive"] = d.Health.Passive.ToString() }),
            };
            if (available == 0)
            {
                unavailable.Add(cluster.ClusterId);
            }
        }

        if (data.Count == 0)
        {
            return Task.FromResult(HealthCheckResult.Degraded("No cluster is configured.", data: data));
        }

        return Task.FromResult(unavailable.Count == 0
            ? HealthCheckResult.Healthy("Every cluster has an available backend.", data)
            : HealthCheckResult.Degraded($"No available backend in: {string.Join(", ", unavailable)}; uploads are answered 503 no-healthy-backend.", data: data));
    }
}
