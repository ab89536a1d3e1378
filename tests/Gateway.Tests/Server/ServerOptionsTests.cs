using ImageGateway.Gateway.Server;
using Microsoft.Extensions.Options;

namespace ImageGateway.Gateway.Tests.Server;

/// <summary>Every limit of the <c>SlowClients</c> and <c>ConnectionBuffers</c> sections crossed, on their generated validators.</summary>
public sealed class ServerOptionsTests
{
    [Theory]
    [InlineData("00:00:00.999", 8192, "00:00:05", "RequestHeadersTimeout")]
    [InlineData("00:10:00.001", 8192, "00:00:05", "RequestHeadersTimeout")]
    [InlineData("00:00:10", 0.5, "00:00:05", "MinRequestBodyBytesPerSecond")]
    [InlineData("00:00:10", 8192, "00:00:01.999", "MinRequestBodyGracePeriod")]
    [InlineData("00:00:10", 8192, "00:10:00.001", "MinRequestBodyGracePeriod")]
    public void SlowClients_OneValueOutsideItsRange_FailsNamingIt(string headersTimeout, double minRate, string gracePeriod, string named)
    {
        var options = new SlowClientOptions
        {
            RequestHeadersTimeout = TimeSpan.Parse(headersTimeout, System.Globalization.CultureInfo.InvariantCulture),
            MinRequestBodyBytesPerSecond = minRate,
            MinRequestBodyGracePeriod = TimeSpan.Parse(gracePeriod, System.Globalization.CultureInfo.InvariantCulture),
        };

        var result = new SlowClientOptionsValidator().Validate(Options.DefaultName, options);

        Assert.True(result.Failed);
        Assert.Contains(named, result.FailureMessage, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(4095, 0L, "BlockBytes")]
    [InlineData(1024 * 1024 + 1, 0L, "BlockBytes")]
    [InlineData(65536, -1L, "BudgetBytes")]
    public void ConnectionBuffers_OneValueOutsideItsRange_FailsNamingIt(int blockBytes, long budgetBytes, string named)
    {
        var result = new ConnectionBufferOptionsValidator().Validate(Options.DefaultName, new ConnectionBufferOptions { BlockBytes = blockBytes, BudgetBytes = budgetBytes });

        Assert.True(result.Failed);
        Assert.Contains(named, result.FailureMessage, StringComparison.Ordinal);
    }

    [Fact]
    public void Defaults_AndTheEdges_Succeed()
    {
        Assert.True(new SlowClientOptionsValidator().Validate(Options.DefaultName, new SlowClientOptions()).Succeeded);
        Assert.True(new SlowClientOptionsValidator().Validate(Options.DefaultName, new SlowClientOptions
        {
            RequestHeadersTimeout = TimeSpan.FromSeconds(1),
            MinRequestBodyBytesPerSecond = 1,
            MinRequestBodyGracePeriod = TimeSpan.FromSeconds(2),
        }).Succeeded);
        Assert.True(new ConnectionBufferOptionsValidator().Validate(Options.DefaultName, new ConnectionBufferOptions()).Succeeded);
        Assert.True(new ConnectionBufferOptionsValidator().Validate(Options.DefaultName, new ConnectionBufferOptions { BlockBytes = 4096, BudgetBytes = 0 }).Succeeded);
    }
}
