using ImageGateway.Backend.Admission;
using ImageGateway.Backend.Memory;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;

namespace ImageGateway.Backend.Health;

/// <summary>
/// Ready while there is memory headroom and the admission queue has room. Reports the memory facts the
/// backend started with (container limit, GC heap hard limit, decode budget) and the state now.
/// Headroom is the smaller of the unreserved decode budget and the GC heap hard limit minus what
/// survived the last collection.
/// </summary>
internal sealed class MemoryReadinessCheck(MemoryBudget budget, ContainerMemory container, DecodeAdmission admission, IOptions<MemoryOptions> options) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var gc = GC.GetGCMemoryInfo();
        var liveAfterLastGc = gc.HeapSizeBytes - gc.FragmentedBytes;
        var headroom = Math.Min(budget.DecodeBudgetBytes - admission.BytesInUse, budget.GcHeapLimitBytes - liveAfterLastGc);
        var queueFull = admission.QueueFull;
        var data = new Dictionary<string, object>
        {
            ["container_limit_bytes"] = budget.ContainerLimitBytes ?? (object)"none",
            ["container_limit_source"] = budget.ContainerLimitSource,
            ["gc_heap_hard_limit_bytes"] = budget.GcHeapLimitBytes,
            ["gc_heap_hard_limit_explicit"] = budget.GcHeapLimitExplicit,
            ["gc_conserve_memory"] = GC.GetConfigurationVariables().TryGetValue("GCConserveMem", out var conserve) ? conserve : "unknown",
            ["gc_gen0_size"] = GC.GetConfigurationVariables().TryGetValue("GCgen0size", out var gen0) ? gen0 : "default",
            ["decode_budget_bytes"] = budget.DecodeBudgetBytes,
            ["budget_in_use_bytes"] = admission.BytesInUse,
            ["queued_bytes"] = admission.BytesQueued,
            ["gc_heap_size_bytes"] = gc.HeapSizeBytes,
            ["headroom_bytes"] = headroom,
            ["minimum_headroom_bytes"] = options.Value.MinimumHeadroomBytes,
            ["cgroup_usage_bytes"] = container.UsageBytes ?? (object)"unknown",
        };

        var result = queueFull
            ? HealthCheckResult.Unhealthy("The admission queue is full.", data: data)
            : headroom < options.Value.MinimumHeadroomBytes
                ? HealthCheckResult.Unhealthy($"Memory headroom {headroom} bytes is below {options.Value.MinimumHeadroomBytes}.", data: data)
                : HealthCheckResult.Healthy("Memory headroom and admission queue are fine.", data);
        return Task.FromResult(result);
    }
}
