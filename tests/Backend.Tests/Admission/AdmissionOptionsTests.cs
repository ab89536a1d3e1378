using ImageGateway.Backend.Admission;
using Microsoft.Extensions.Options;

namespace ImageGateway.Backend.Tests.Admission;

/// <summary>Bad <c>Admission</c> settings fail validation, one limit at a time; values on a limit pass.</summary>
public sealed class AdmissionOptionsTests
{
    [Fact]
    public void Validate_Defaults_Pass()
    {
        Assert.True(Validate(new AdmissionOptions()).Succeeded);
    }

    [Fact]
    public void Validate_EveryValueOnItsLimit_Passes()
    {
        Assert.True(Validate(new AdmissionOptions { QueueBudgets = 0, QueueRequests = 0, QueueTimeout = TimeSpan.Zero, RetryAfter = TimeSpan.FromSeconds(1) }).Succeeded);
        Assert.True(Validate(new AdmissionOptions { QueueBudgets = 16, QueueRequests = 4096, QueueTimeout = TimeSpan.FromSeconds(30), RetryAfter = TimeSpan.FromMinutes(1) }).Succeeded);
    }

    [Theory]
    [InlineData(-0.5)]
    [InlineData(16.5)]
    [InlineData(double.NaN)]
    public void Validate_QueueBudgetsOutOfRange_FailsNamingIt(double budgets)
    {
        var result = Validate(new AdmissionOptions { QueueBudgets = budgets });

        Assert.True(result.Failed);
        Assert.Contains(nameof(AdmissionOptions.QueueBudgets), result.FailureMessage, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(-1)]
    [InlineData(4097)]
    public void Validate_QueueRequestsOutOfRange_FailsNamingIt(int requests)
    {
        var result = Validate(new AdmissionOptions { QueueRequests = requests });

        Assert.True(result.Failed);
        Assert.Contains(nameof(AdmissionOptions.QueueRequests), result.FailureMessage, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(nameof(AdmissionOptions.QueueTimeout), "-00:00:00.001")]
    [InlineData(nameof(AdmissionOptions.QueueTimeout), "00:00:30.001")]
    [InlineData(nameof(AdmissionOptions.RetryAfter), "00:00:00.999")]
    [InlineData(nameof(AdmissionOptions.RetryAfter), "00:01:00.001")]
    public void Validate_TimeOutOfRange_FailsNamingTheKeyAndValue(string key, string value)
    {
        var options = new AdmissionOptions();
        typeof(AdmissionOptions).GetProperty(key)!.SetValue(options, TimeSpan.Parse(value, System.Globalization.CultureInfo.InvariantCulture));

        var result = Validate(options);

        Assert.True(result.Failed);
        Assert.Contains($"Admission:{key}", result.FailureMessage, StringComparison.Ordinal);
        Assert.Contains(value, result.FailureMessage, StringComparison.Ordinal);
    }

    /// <summary>The one validator the backend registers: generated, calling the class's own rules.</summary>
    private static ValidateOptionsResult Validate(AdmissionOptions options) => new AdmissionOptionsValidator().Validate(null, options);
}
