using ImageGateway.Common.Settings;

namespace ImageGateway.Common.Tests.Settings;

public sealed class OptionRulesTests
{
    private static readonly TimeSpan Min = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan Max = TimeSpan.FromMinutes(1);

    [Theory]
    [InlineData("00:00:01")]
    [InlineData("00:00:30")]
    [InlineData("00:01:00")]
    public void Within_OnOrInsideTheLimits_Holds(string value) =>
        Assert.Null(OptionRules.Within(TimeSpan.Parse(value, System.Globalization.CultureInfo.InvariantCulture), Min, Max, "Section", "Key"));

    [Theory]
    [InlineData("00:00:00.999", "00:00:00.9990000")]
    [InlineData("00:01:00.001", "00:01:00.0010000")]
    public void Within_PastALimit_FailsNamingTheKeyTheLimitsAndTheValue(string value, string written)
    {
        var failure = OptionRules.Within(TimeSpan.Parse(value, System.Globalization.CultureInfo.InvariantCulture), Min, Max, "Section", "Key");

        Assert.Equal($"Section:Key must be 00:00:01 to 00:01:00, not {written}.", failure?.ErrorMessage);
    }

    [Fact]
    public void Failures_KeepsOnlyTheRulesThatFailed()
    {
        var failed = OptionRules.Failure("Section", "Key", "is wrong");

        Assert.Equal([failed], OptionRules.Failures(null, failed, null));
    }
}
