using ImageGateway.Backend.Admission;
using ImageGateway.Backend.Memory;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace ImageGateway.Backend.Health;

/// <summary>
/// Reports the memory facts the backend started with (container limit, the server's GC heap hard
/// limit, the decode budget) and the state now, in the ready report's data. It never makes the
/// backend unready: load is not readiness (it belongs in load reports), and since decoding moved into
/// the workers the server's own heap says nothing about decode memory. (Before, headroom came from
/// the last GC's heap size, and one request that allocated 14 MB outside the image allocator kept
/// the backend unready for 10-25 s.)
/// </summary>
internal sealed class MemoryReadinessCheck(MemoryBudget budget, ContainerMemory container, DecodeAdmission admission) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var gc = GC.GetGCMemoryInfo();
        var data = new Dictionary<string, object>
        {
            ["container_limit_bytes"] = budget.ContainerLimitBytes ?? (object)"none",
            ["container_limit_source"] = budget.ContainerLimitSource,
            ["gc_heap_hard_limit_bytes"] = budget.GcHeapLimitBytes,
            ["gc_heap_hard_limit_explicit"] = budget.GcHeapLimitExplicit,
            ["gc_conserve_memory"] = GC.GetConfigurationVariables().TryGetValue("GCConserveMem", out var conserve) ? conserve : "unknown",
            ["decode_budget_bytes"] = budget.DecodeBudgetBytes,
            ["budget_in_use_bytes"] = admission.BytesInUse,
            ["queued_bytes"] = admission.BytesQueued,
            ["gc_heap_size_bytes"] = gc.HeapSizeBytes,
            ["gc_committed_bytes"] = gc.TotalCommittedBytes,
            ["cgroup_usage_bytes"] = container.UsageBytes ?? (object)"unknown",
            ["cgroup_oom_kills"] = container.OomKills ?? (object)"unknown",
        };

        return Task.FromResult(HealthCheckResult.Healthy("Memory facts (never a reason to be unready).", data));
    }
}
