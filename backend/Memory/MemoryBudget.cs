namespace ImageGateway.Backend.Memory;

/// <summary>
/// The memory facts the backend started with: the container limit it detected, the GC heap hard
/// limit in force, and the decode budget derived from them. Admission never lets the sum of admitted
/// request bodies and decode estimates exceed <see cref="DecodeBudgetBytes"/>.
/// </summary>
public sealed record MemoryBudget(
    long? ContainerLimitBytes,
    string ContainerLimitSource,
    long GcHeapLimitBytes,
    bool GcHeapLimitExplicit,
    long DecodeBudgetBytes)
{
    /// <summary>
    /// Derives the budget: the GC heap hard limit (what <see cref="GC.GetGCMemoryInfo()"/> reports as
    /// available) minus the managed reserve, or the configured budget when that is smaller.
    /// </summary>
    /// <exception cref="InvalidOperationException">The budget would be below <see cref="MemoryOptions.MinimumDecodeBudgetBytes"/>, or the configured one above the derived one.</exception>
    public static MemoryBudget Derive(ContainerMemory container, long gcHeapLimitBytes, bool gcHeapLimitExplicit, MemoryOptions options)
    {
        ArgumentNullException.ThrowIfNull(container);
        ArgumentNullException.ThrowIfNull(options);

        var derived = gcHeapLimitBytes - options.ManagedReserveBytes;
        if (options.DecodeBudgetBytes is { } configured && configured > derived)
        {
            throw new InvalidOperationException(
                $"{MemoryOptions.SectionName}:{nameof(MemoryOptions.DecodeBudgetBytes)} is {configured} bytes, more than the {derived} bytes the GC heap hard limit ({gcHeapLimitBytes}) minus {MemoryOptions.SectionName}:{nameof(MemoryOptions.ManagedReserveBytes)} ({options.ManagedReserveBytes}) leaves.");
        }

        var budget = options.DecodeBudgetBytes ?? derived;
        if (budget < MemoryOptions.MinimumDecodeBudgetBytes)
        {
            throw new InvalidOperationException(
                $"The decode budget would be {budget} bytes: the GC heap hard limit ({gcHeapLimitBytes} bytes; DOTNET_GCHeapHardLimit) minus {MemoryOptions.SectionName}:{nameof(MemoryOptions.ManagedReserveBytes)} ({options.ManagedReserveBytes}) must leave at least {MemoryOptions.MinimumDecodeBudgetBytes} bytes.");
        }

        return new MemoryBudget(container.LimitBytes, container.Source, gcHeapLimitBytes, gcHeapLimitExplicit, budget);
    }
}
