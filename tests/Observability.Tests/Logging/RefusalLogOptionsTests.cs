using ImageGateway.Common.Observability;
using Microsoft.Extensions.Options;

namespace ImageGateway.Observability.Tests.Logging;

public sealed class RefusalLogOptionsTests
{
    [Theory]
    [InlineData(0, 10, "PerInterval")]
    [InlineData(5, 0, "Interval")]
    public void Validate_OutOfRange_FailsNamingTheKey(int perInterval, int intervalSeconds, string key)
    {
        IValidateOptions<RefusalLogOptions> validator = new RefusalLogOptionsValidator();

        var result = validator.Validate(null, new RefusalLogOptions { PerInterval = perInterval, Interval = TimeSpan.FromSeconds(intervalSeconds) });

        Assert.True(result.Failed);
        Assert.Contains(key, result.FailureMessage, StringComparison.Ordinal);
    }
}
