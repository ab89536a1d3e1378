using ImageGateway.Backend.Decoding;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace ImageGateway.Backend.Health;

/// <summary>
/// Ready while the worker pool can serve: a worker runs, or one is being started and starts are not
/// failing in a row (a crash loop). A worker killed by one upload is replaced in milliseconds and
/// never makes the backend unready; only a pool that cannot start workers does.
/// </summary>
internal sealed class DecodeWorkersReadinessCheck(DecodeWorkerPool pool) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var data = new Dictionary<string, object>
        {
            ["workers"] = pool.Size,
            ["workers_alive"] = pool.Alive,
            ["workers_restarting"] = pool.Restarting,
            ["failed_starts_in_a_row"] = pool.FailedStartsInARow,
            ["uploads_waiting_for_a_worker"] = pool.Waiting,
            ["worker_pids"] = string.Join(' ', pool.Pids),
        };

        return Task.FromResult(pool.CanServe
            ? HealthCheckResult.Healthy($"{pool.Alive} of {pool.Size} decode workers running.", data)
            : HealthCheckResult.Unhealthy($"No decode worker runs and the last {pool.FailedStartsInARow} starts failed: the pool is in a crash loop.", data: data));
    }
}
