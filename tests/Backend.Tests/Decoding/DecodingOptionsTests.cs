using ImageGateway.Backend.Decoding;
using Microsoft.Extensions.Options;

namespace ImageGateway.Backend.Tests.Decoding;

/// <summary>Bad <c>Decoding</c> settings stop the backend at start-up with a message that names the key.</summary>
public sealed class DecodingOptionsTests
{
    [Fact]
    public void Validate_Defaults_Pass()
    {
        Assert.True(Validate(new DecodingOptions()).Succeeded);
    }

    [Theory]
    [InlineData("0x1000000")] // Native AOT ignores a prefixed value: the worker would have no limit
    [InlineData("16MiB")]
    [InlineData("3FFFFF")] // under 4 MiB
    public void Validate_WorkerHeapHardLimitNotPlainHexOfAtLeast4MiB_FailsNamingTheKey(string limit)
    {
        var result = Validate(new DecodingOptions { WorkerHeapHardLimit = limit });

        Assert.True(result.Failed);
        Assert.Contains("Decoding:WorkerHeapHardLimit", result.FailureMessage, StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_MinimumDeadlineOverMaximum_FailsNamingBoth()
    {
        var result = Validate(new DecodingOptions { MinimumDeadline = TimeSpan.FromSeconds(5), MaximumDeadline = TimeSpan.FromSeconds(2) });

        Assert.Contains("Decoding:MinimumDeadline", result.FailureMessage, StringComparison.Ordinal);
        Assert.Contains("Decoding:MaximumDeadline", result.FailureMessage, StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_MaximumDeadlineOverStallTimeout_FailsNamingBoth()
    {
        var result = Validate(new DecodingOptions { MaximumDeadline = TimeSpan.FromSeconds(30), StallTimeout = TimeSpan.FromSeconds(20) });

        Assert.Contains("Decoding:StallTimeout", result.FailureMessage, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(nameof(DecodingOptions.MinimumDeadline), "00:00:00.005")]
    [InlineData(nameof(DecodingOptions.MaximumDeadline), "00:06:00")]
    [InlineData(nameof(DecodingOptions.PoisonLifetime), "8.00:00:00")]
    [InlineData(nameof(DecodingOptions.WorkerStartTimeout), "00:00:00.500")]
    public void Validate_TimeOutOfRange_FailsNamingTheKey(string key, string value)
    {
        var options = new DecodingOptions { StallTimeout = TimeSpan.FromMinutes(5) };
        typeof(DecodingOptions).GetProperty(key)!.SetValue(options, TimeSpan.Parse(value, System.Globalization.CultureInfo.InvariantCulture));

        Assert.Contains($"Decoding:{key}", Validate(options).FailureMessage, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(0, 4096, 10.0)]
    [InlineData(65, 4096, 10.0)]
    [InlineData(2, 0, 10.0)]
    [InlineData(2, 4096, 0.0)]
    public void Validate_CountOrFactorOutOfRange_Fails(int workers, int poisonCapacity, double factor)
    {
        Assert.True(Validate(new DecodingOptions { Workers = workers, PoisonCapacity = poisonCapacity, DeadlineFactor = factor }).Failed);
    }

    /// <summary>The one validator the backend registers: generated, with the class's own rules.</summary>
    private static ValidateOptionsResult Validate(DecodingOptions options) => new DecodingOptionsValidator().Validate(null, options);
}
