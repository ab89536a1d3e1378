using ImageGateway.Backend.Memory;

namespace ImageGateway.Backend.Tests.Memory;

public sealed class GcHeapHardLimitTests
{
    [Theory]
    [InlineData("1000000", 16L << 20)]
    [InlineData("1a00000", 0x1A00000L)]
    public void ParseBytes_PlainHex_IsTheByteCount(string hex, long bytes) =>
        Assert.Equal(bytes, GcHeapHardLimit.ParseBytes(hex));

    [Theory]
    [InlineData("0x1000000")] // Native AOT ignores a prefixed value
    [InlineData("16MiB")]
    [InlineData("")]
    [InlineData(" 1000000")]
    [InlineData("1000000000000000")] // 16 digits: over 2^60 bytes
    public void ParseBytes_NotPlainHex_IsNull(string hex) =>
        Assert.Null(GcHeapHardLimit.ParseBytes(hex));

    [Theory]
    [InlineData("1A00000")]
    [InlineData("0x1A00000")]
    public void CheckInForce_SettingTheGcEnforces_Passes(string setting) =>
        GcHeapHardLimit.CheckInForce(setting, 0x1A00000);

    [Fact]
    public void CheckInForce_SettingTheGcIgnored_FailsNamingTheVariable()
    {
        // What Native AOT does with "0x1A00000": no hard limit, the machine's memory instead.
        var ex = Assert.Throws<InvalidOperationException>(() => GcHeapHardLimit.CheckInForce("0x1A00000", 25_276_510_208));

        Assert.Contains("DOTNET_GCHeapHardLimit", ex.Message, StringComparison.Ordinal);
        Assert.Contains("0x", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void CheckInForce_NotHex_Fails() =>
        Assert.Throws<InvalidOperationException>(() => GcHeapHardLimit.CheckInForce("26MiB", 0x1A00000));
}
