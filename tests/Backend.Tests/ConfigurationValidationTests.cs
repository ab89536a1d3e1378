using ImageGateway.Backend.Admission;
using ImageGateway.Backend.Counting;
using ImageGateway.Backend.Decoding;
using ImageGateway.Backend.Memory;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace ImageGateway.Backend.Tests;

/// <summary>
/// Bad configuration stops the backend at start-up with a message that names the key: the
/// registrations <c>Program.cs</c> makes (the same <c>Add*</c> extensions) give each options type
/// one validator (generated, with the class's own rules), and the host's start-up validation runs
/// them before anything starts (<see cref="IStartupValidator"/>, what <c>Host.StartAsync</c> calls first).
/// </summary>
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
        var builder = Host.CreateApplicationBuilder();
        builder.Configuration.AddInMemoryCollection(settings.Split(';').Select(s => s.Split('=')).Select(kv => KeyValuePair.Create(kv[0], (string?)kv[1])));
        builder.AddContainerMemory();
        builder.AddDecodeAdmission();
        builder.AddCounting();
        builder.AddDecodeWorkers();
        using var host = builder.Build();

        var error = Assert.ThrowsAny<OptionsValidationException>(() => host.Services.GetRequiredService<IStartupValidator>().Validate());

        Assert.Contains(named, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Start_WithDefaults_Passes()
    {
        var builder = Host.CreateApplicationBuilder();
        builder.AddContainerMemory();
        builder.AddDecodeAdmission();
        builder.AddCounting();
        builder.AddDecodeWorkers();
        using var host = builder.Build();

        host.Services.GetRequiredService<IStartupValidator>().Validate();
    }
}
