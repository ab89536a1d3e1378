using ImageGateway.Common.Hosting;
using Microsoft.Extensions.Options;

namespace ImageGateway.Common.Tests.Hosting;

/// <summary>The drain delay (0 to 5 min) and the in-flight timeout (1 ms to 10 min), each crossed at both ends.</summary>
public sealed class GracefulShutdownOptionsTests
{
    private static readonly IValidateOptions<GracefulShutdownOptions> Validator = new GracefulShutdownOptionsValidator();

    [Theory]
    [InlineData("-00:00:00.001", "00:00:20", "Shutdown:DrainDelay")]
    [InlineData("00:05:00.001", "00:00:20", "Shutdown:DrainDelay")]
    [InlineData("00:00:06", "00:00:00", "Shutdown:InFlightTimeout")]
    [InlineData("00:00:06", "00:10:00.001", "Shutdown:InFlightTimeout")]
    public void Validate_OutsideItsRange_FailsNamingTheKey(string drainDelay, string inFlightTimeout, string key)
    {
        var result = Validator.Validate(Options.DefaultName, Of(drainDelay, inFlightTimeout));

        Assert.True(result.Failed);
        Assert.Contains(key, result.FailureMessage, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("00:00:00", "00:00:00.001")]
    [InlineData("00:05:00", "00:10:00")]
    [InlineData("00:00:06", "00:00:20")]
    public void Validate_AtTheEndsOfItsRangeOrDefault_Succeeds(string drainDelay, string inFlightTimeout)
    {
        var result = Validator.Validate(Options.DefaultName, Of(drainDelay, inFlightTimeout));

        Assert.True(result.Succeeded, result.FailureMessage);
    }

    private static GracefulShutdownOptions Of(string drainDelay, string inFlightTimeout) => new()
    {
        DrainDelay = TimeSpan.Parse(drainDelay, System.Globalization.CultureInfo.InvariantCulture),
        InFlightTimeout = TimeSpan.Parse(inFlightTimeout, System.Globalization.CultureInfo.InvariantCulture),
    };
}
