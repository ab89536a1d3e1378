using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.Options;

namespace ImageGateway.Backend.Tests;

/// <summary>
/// Bad configuration stops the real backend at start-up with a message that names the key: each
/// options type is checked by the one validator it registers (generated, with the class's own rules),
/// before any decode worker starts.
/// </summary>
[Collection(BackendHostCollection.Name)]
public sealed class ConfigurationValidationTests
{
    [Theory]
    [InlineData("Admission:QueueTimeout=00:00:40", "Admission:QueueTimeout")]
    [InlineData("Admission:QueueRequests=4097", "QueueRequests")]
    [InlineData("Decoding:MinimumDeadline=00:00:05;Decoding:MaximumDeadline=00:00:02", "Decoding:MinimumDeadline")]
    [InlineData("Decoding:WorkerHeapHardLimit=0x1000000", "Decoding:WorkerHeapHardLimit")]
    [InlineData("Decoding:Workers=65", "Workers")]
    [InlineData("Memory:RequestBufferBytes=1024", "RequestBufferBytes")]
    [InlineData("Counting:MaxWidth=0", "MaxWidth")]
    public void Start_WithBadSetting_FailsNamingTheKey(string settings, string named)
    {
        using var factory = new BadSettingsFactory(settings.Split(';').Select(s => s.Split('=')).ToDictionary(kv => kv[0], kv => kv[1]));

        var error = Assert.ThrowsAny<OptionsValidationException>(() => factory.Services);

        Assert.Contains(named, error.Message, StringComparison.Ordinal);
    }

    private sealed class BadSettingsFactory(Dictionary<string, string> settings) : WebApplicationFactory<Program>
    {
        protected override void ConfigureWebHost(Microsoft.AspNetCore.Hosting.IWebHostBuilder builder)
        {
            builder.UseSetting("Decoding:Workers", "1");
            foreach (var (key, value) in settings)
            {
                builder.UseSetting(key, value);
            }
        }
    }
}
