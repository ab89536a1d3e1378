using ImageGateway.Gateway.Tests.Infrastructure;
using Microsoft.Extensions.Options;

namespace ImageGateway.Gateway.Tests;

/// <summary>Bad configuration stops the gateway at start-up with a message that names the key.</summary>
public sealed class ConfigurationValidationTests
{
    [Theory]
    [InlineData("Inspection:PeekBytes=2048;Inspection:MaxBodyBytes=1024", "Inspection:PeekBytes")]
    [InlineData("Inspection:MaxPixels=1000001;Inspection:MaxWidth=1000;Inspection:MaxHeight=1000", "Inspection:MaxPixels")]
    [InlineData("Dispatch:ClientShare=1.5", "ClientShare")]
    [InlineData("Dispatch:MaxQueueWait=00:02:00", "MaxQueueWait")]
    [InlineData("Dispatch:UnreportedUploads=0", "UnreportedUploads")]
    [InlineData("Buffering:MaxBodyBytes=-1", "MaxBodyBytes")]
    [InlineData("Buffering:PoolBytes=-1", "PoolBytes")]
    [InlineData("SlowClients:MinRequestBodyGracePeriod=00:00:01", "MinRequestBodyGracePeriod")]
    [InlineData("ConnectionBuffers:BlockBytes=1024", "BlockBytes")]
    [InlineData("ConnectionBuffers:BudgetBytes=-1", "BudgetBytes")]
    [InlineData("Management:Port=0", "ManagementOptions.Port")]
    [InlineData("RefusalLogs:PerInterval=0", "RefusalLogOptions.PerInterval")]
    [InlineData("RefusalLogs:Interval=00:00:00", "RefusalLogs:Interval")]
    public void Start_WithBadLimits_FailsNamingTheKey(string settings, string named)
    {
        var values = settings.Split(';').Select(s => s.Split('=')).ToDictionary(kv => kv[0], kv => (string?)kv[1]);

        var error = Assert.ThrowsAny<OptionsValidationException>(() =>
        {
            using var gateway = GatewayFactory.Start([new Uri("http://127.0.0.1:9")], values);
        });

        Assert.Contains(named, error.Message, StringComparison.Ordinal);
    }
}
