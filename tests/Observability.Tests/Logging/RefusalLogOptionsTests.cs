using ImageGateway.Common.Observability;

namespace ImageGateway.Observability.Tests.Logging;

public sealed class RefusalLogOptionsTests
{
    [Theory]
    [InlineData(0, 10, "PerInterval")]
    [InlineData(5, 0, "Interval")]
    public void Validate_OutOfRange_FailsNamingTheKey(int perInterval, int intervalSeconds, string key)
    {
        var result = new RefusalLogOptionsValidator().Validate(null, new RefusalLogOptions { PerInterval = perInterval, Interval = TimeSpan.FromSeconds(intervalSeconds) });

        Assert.True(result.Failed);
        Assert.Contains(key, result.FailureMessage, StringComparison.Ordinal);
    }
}
