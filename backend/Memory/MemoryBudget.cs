namespace ImageGateway.Backend.Memory;

/// <summary>
/// The memory facts the backend started with: the container limit it detected, the server's GC heap
/// hard limit in force, and the decode budget. Admission never lets the sum of admitted request bodies
/// and decode estimates exceed <see cref="DecodeBudgetBytes"/>; that memory is spent in the decode
/// workers, one upload per worker, so each worker's heap must be able to hold the whole budget.
/// </summary>
public sealed record MemoryBudget(
    long? ContainerLimitBytes,
    string ContainerLimitSource,
    long GcHeapLimitBytes,
    bool GcHeapLimitExplicit,
    long DecodeBudgetBytes)
{
    /// <summary>
    /// Derives the budget: a worker's GC heap hard limit (<paramref name="workerHeapLimitBytes"/>;
    /// without one, this process's own, as for a worker that inherits the runtime's default) minus
    /// <see cref="MemoryOptions.WorkerReserveBytes"/>, or the configured budget when that is smaller.
    /// </summary>
    /// <exception cref="InvalidOperationException">The budget would be below <see cref="MemoryOptions.MinimumDecodeBudgetBytes"/>, or the configured one above the derived one.</exception>
    public static MemoryBudget Derive(ContainerMemory container, long gcHeapLimitBytes, bool gcHeapLimitExplicit, MemoryOptions options, long? workerHeapLimitBytes = null)
    {
        ArgumentNullException.ThrowIfNull(container);
        ArgumentNullException.ThrowIfNull(options);

        var workerHeap = workerHeapLimitBytes ?? gcHeapLimitBytes;
        var source = workerHeapLimitBytes is null ? "the GC heap hard limit (DOTNET_GCHeapHardLimit; no Decoding:WorkerHeapHardLimit)" : "Decoding:WorkerHeapHardLimit";
        var derived = workerHeap - options.WorkerReserveBytes;
        if (options.DecodeBudgetBytes is { } configured && configured > derived)
        {
            throw new InvalidOperationException(
                $"{MemoryOptions.SectionName}:{nameof(MemoryOptions.DecodeBudgetBytes)} is {configured} bytes, more than the {derived} bytes a decode worker can hold: {source} ({workerHeap}) minus {MemoryOptions.SectionName}:{nameof(MemoryOptions.WorkerReserveBytes)} ({options.WorkerReserveBytes}).");
        }

        var budget = options.DecodeBudgetBytes ?? derived;
        if (budget < MemoryOptions.MinimumDecodeBudgetBytes)
        {
            throw new InvalidOperationException(
                $"The decode budget would be {budget} bytes: {source} ({workerHeap} bytes) minus {MemoryOptions.SectionName}:{nameof(MemoryOptions.WorkerReserveBytes)} ({options.WorkerReserveBytes}) must leave at least {MemoryOptions.MinimumDecodeBudgetBytes} bytes.");
        }

        return new MemoryBudget(container.LimitBytes, container.Source, gcHeapLimitBytes, gcHeapLimitExplicit, budget);
    }
}
