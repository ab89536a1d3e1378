using ImageGateway.Gateway.Inspection;
using Microsoft.Extensions.Options;

namespace ImageGateway.Gateway.Tests.Inspection;

/// <summary>Every limit of the <c>Inspection</c> section crossed, on the generated validator (the start-up path is <c>ConfigurationValidationTests</c>).</summary>
public sealed class InspectionOptionsTests
{
    private static readonly IValidateOptions<InspectionOptions> Validator = new InspectionOptionsValidator();

    [Theory]
    [InlineData(nameof(InspectionOptions.MaxBodyBytes), 0L, "MaxBodyBytes")]
    [InlineData(nameof(InspectionOptions.PeekBytes), 63L, "PeekBytes")]
    [InlineData(nameof(InspectionOptions.PeekBytes), 16L * 1024 * 1024 + 1, "PeekBytes")]
    [InlineData(nameof(InspectionOptions.MaxWidth), 0L, "MaxWidth")]
    [InlineData(nameof(InspectionOptions.MaxHeight), 0L, "MaxHeight")]
    [InlineData(nameof(InspectionOptions.MaxPixels), 0L, "MaxPixels")]
    public void Validate_OneValueOutsideItsRange_FailsNamingIt(string property, long value, string named)
    {
        var options = new InspectionOptions();
        Set(options, property, value);

        var result = Validator.Validate(Options.DefaultName, options);

        Assert.True(result.Failed);
        Assert.Contains(named, result.FailureMessage, StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_PeekWindowOverTheLargestBody_FailsNamingBothKeys()
    {
        var result = Validator.Validate(Options.DefaultName, new InspectionOptions { PeekBytes = 2048, MaxBodyBytes = 2047 });

        Assert.True(result.Failed);
        Assert.Contains("Inspection:PeekBytes (2048) must not exceed Inspection:MaxBodyBytes (2047)", result.FailureMessage, StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_PixelLimitOverTheSidesProduct_FailsNamingTheKey()
    {
        var result = Validator.Validate(Options.DefaultName, new InspectionOptions { MaxWidth = 1000, MaxHeight = 1000, MaxPixels = 1_000_001 });

        Assert.True(result.Failed);
        Assert.Contains("Inspection:MaxPixels (1000001) exceeds MaxWidth x MaxHeight (1000000)", result.FailureMessage, StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_AtTheEdges_Succeeds()
    {
        var options = new InspectionOptions { PeekBytes = 2048, MaxBodyBytes = 2048, MaxWidth = 1000, MaxHeight = 1000, MaxPixels = 1_000_000 };

        Assert.True(Validator.Validate(Options.DefaultName, options).Succeeded);
        Assert.True(Validator.Validate(Options.DefaultName, new InspectionOptions()).Succeeded);
    }

    private static void Set(InspectionOptions options, string property, long value)
    {
        switch (property)
        {
            case nameof(InspectionOptions.MaxBodyBytes): options.MaxBodyBytes = value; break;
            case nameof(InspectionOptions.PeekBytes): options.PeekBytes = (int)value; break;
            case nameof(InspectionOptions.MaxWidth): options.MaxWidth = (int)value; break;
            case nameof(InspectionOptions.MaxHeight): options.MaxHeight = (int)value; break;
            case nameof(InspectionOptions.MaxPixels): options.MaxPixels = value; break;
            default: throw new ArgumentOutOfRangeException(nameof(property), property, null);
        }
    }
}
