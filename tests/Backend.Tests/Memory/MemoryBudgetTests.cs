using ImageGateway.Backend.Memory;

namespace ImageGateway.Backend.Tests.Memory;

public sealed class MemoryBudgetTests
{
    private const long MiB = 1024 * 1024;
    private static readonly ContainerMemory NoCgroup = ContainerMemory.Detect(Path.GetTempPath());

    [Fact]
    public void Derive_FiftyMiBContainerRule_LeavesHeapLimitMinusReserve()
    {
        // deploy/lib/memory.sh gives a 50 MiB container a 29 MiB heap; 15 MiB is reserved by default.
        var budget = MemoryBudget.Derive(NoCgroup, 29 * MiB, gcHeapLimitExplicit: true, new MemoryOptions());

        Assert.Equal(14 * MiB, budget.DecodeBudgetBytes);
    }

    [Fact]
    public void Derive_ConfiguredBudgetBelowDerived_IsUsed()
    {
        var budget = MemoryBudget.Derive(NoCgroup, 29 * MiB, true, new MemoryOptions { DecodeBudgetBytes = 8 * MiB });

        Assert.Equal(8 * MiB, budget.DecodeBudgetBytes);
    }

    [Fact]
    public void Derive_ConfiguredBudgetAboveDerived_FailsNamingTheKey()
    {
        var ex = Assert.Throws<InvalidOperationException>(() =>
            MemoryBudget.Derive(NoCgroup, 29 * MiB, true, new MemoryOptions { DecodeBudgetBytes = 15 * MiB }));

        Assert.Contains("Memory:DecodeBudgetBytes", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Derive_HeapTooSmallForAnyBudget_FailsNamingTheHeapLimit()
    {
        var ex = Assert.Throws<InvalidOperationException>(() => MemoryBudget.Derive(NoCgroup, 18 * MiB, true, new MemoryOptions()));

        Assert.Contains("DOTNET_GCHeapHardLimit", ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("1A00000")]
    [InlineData("0x1A00000")]
    public void CheckHeapHardLimitInForce_SettingTheGcEnforces_Passes(string setting) =>
        ContainerMemoryExtensions.CheckHeapHardLimitInForce(setting, 0x1A00000);

    [Fact]
    public void CheckHeapHardLimitInForce_SettingTheGcIgnored_FailsNamingTheVariable()
    {
        // What Native AOT does with "0x1A00000": no hard limit, the machine's memory instead.
        var ex = Assert.Throws<InvalidOperationException>(() => ContainerMemoryExtensions.CheckHeapHardLimitInForce("0x1A00000", 25_276_510_208));

        Assert.Contains("DOTNET_GCHeapHardLimit", ex.Message, StringComparison.Ordinal);
        Assert.Contains("0x", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void CheckHeapHardLimitInForce_NotHex_Fails() =>
        Assert.Throws<InvalidOperationException>(() => ContainerMemoryExtensions.CheckHeapHardLimitInForce("26MiB", 0x1A00000));
}
