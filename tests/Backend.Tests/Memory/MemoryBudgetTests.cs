using ImageGateway.Backend.Memory;
using ImageGateway.TestSupport;

namespace ImageGateway.Backend.Tests.Memory;

public sealed class MemoryBudgetTests
{
    private const long MiB = 1024 * 1024;
    private static readonly ContainerMemory NoCgroup = ContainerMemory.Detect(Path.GetTempPath());

    [Fact]
    public void Derive_WorkerHeapLimit_LeavesItMinusTheWorkerReserve()
    {
        // A worker with a 16 MiB heap, 2 MiB of which it keeps for itself, can hold a 14 MiB budget.
        var budget = MemoryBudget.Derive(NoCgroup, 12 * MiB, gcHeapLimitExplicit: true, new MemoryOptions(), workerHeapLimitBytes: 16 * MiB);

        Assert.Equal(14 * MiB, budget.DecodeBudgetBytes);
        Assert.Equal(12 * MiB, budget.GcHeapLimitBytes);
    }

    [Fact]
    public void Derive_NoWorkerHeapLimit_UsesTheOwnHeapLimit()
    {
        var budget = MemoryBudget.Derive(NoCgroup, 29 * MiB, true, new MemoryOptions());

        Assert.Equal(27 * MiB, budget.DecodeBudgetBytes);
    }

    [Fact]
    public void Derive_ConfiguredBudgetBelowDerived_IsUsed()
    {
        var budget = MemoryBudget.Derive(NoCgroup, 12 * MiB, true, new MemoryOptions { DecodeBudgetBytes = 8 * MiB }, 16 * MiB);

        Assert.Equal(8 * MiB, budget.DecodeBudgetBytes);
    }

    [Fact]
    public void Derive_ConfiguredBudgetMoreThanAWorkerHolds_FailsNamingTheKeys()
    {
        var ex = Assert.Throws<InvalidOperationException>(() =>
            MemoryBudget.Derive(NoCgroup, 12 * MiB, true, new MemoryOptions { DecodeBudgetBytes = 15 * MiB }, 16 * MiB));

        Assert.Contains("Memory:DecodeBudgetBytes", ex.Message, StringComparison.Ordinal);
        Assert.Contains("Decoding:WorkerHeapHardLimit", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Derive_WorkerHeapTooSmallForAnyBudget_FailsNamingIt()
    {
        var ex = Assert.Throws<InvalidOperationException>(() => MemoryBudget.Derive(NoCgroup, 12 * MiB, true, new MemoryOptions(), 5 * MiB));

        Assert.Contains("Decoding:WorkerHeapHardLimit", ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(50, 1)]
    [InlineData(50, 2)]
    [InlineData(64, 2)]
    [InlineData(256, 8)]
    public void Derive_WhatMemoryShGives_IsTheBudgetItStates(int limitMiB, int cpus)
    {
        // deploy/lib/memory.sh gives each worker the budget plus its reserve; the backend must derive
        // exactly that budget back with its default reserve, or one of the two is wrong.
        var rule = MemoryRule.BackendEnvironment(limitMiB * MiB, cpus);
        var workerHeap = long.Parse(rule["Decoding__WorkerHeapHardLimit"], System.Globalization.NumberStyles.HexNumber, System.Globalization.CultureInfo.InvariantCulture);
        var stated = long.Parse(rule["Memory__DecodeBudgetBytes"], System.Globalization.CultureInfo.InvariantCulture);

        var budget = MemoryBudget.Derive(NoCgroup, 12 * MiB, true, new MemoryOptions(), workerHeap);

        Assert.Equal(stated, budget.DecodeBudgetBytes);
    }
}
