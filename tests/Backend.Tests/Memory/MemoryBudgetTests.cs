using ImageGateway.Backend.Memory;

namespace ImageGateway.Backend.Tests.Memory;

public sealed class MemoryBudgetTests
{
    private const long MiB = 1024 * 1024;
    private static readonly ContainerMemory NoCgroup = ContainerMemory.Detect(Path.GetTempPath());

    [Fact]
    public void Derive_FiftyMiBContainerRule_LeavesHeapLimitMinusReserve()
    {
        // deploy/lib/memory.sh gives a 50 MiB container a 26 MiB heap; 6 MiB is reserved by default.
        var budget = MemoryBudget.Derive(NoCgroup, 26 * MiB, gcHeapLimitExplicit: true, new MemoryOptions());

        Assert.Equal(20 * MiB, budget.DecodeBudgetBytes);
    }

    [Fact]
    public void Derive_ConfiguredBudgetBelowDerived_IsUsed()
    {
        var budget = MemoryBudget.Derive(NoCgroup, 26 * MiB, true, new MemoryOptions { DecodeBudgetBytes = 8 * MiB });

        Assert.Equal(8 * MiB, budget.DecodeBudgetBytes);
    }

    [Fact]
    public void Derive_ConfiguredBudgetAboveDerived_FailsNamingTheKey()
    {
        var ex = Assert.Throws<InvalidOperationException>(() =>
            MemoryBudget.Derive(NoCgroup, 26 * MiB, true, new MemoryOptions { DecodeBudgetBytes = 21 * MiB }));

        Assert.Contains("Memory:DecodeBudgetBytes", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Derive_HeapTooSmallForAnyBudget_FailsNamingTheHeapLimit()
    {
        var ex = Assert.Throws<InvalidOperationException>(() => MemoryBudget.Derive(NoCgroup, 9 * MiB, true, new MemoryOptions()));

        Assert.Contains("DOTNET_GCHeapHardLimit", ex.Message, StringComparison.Ordinal);
    }
}
