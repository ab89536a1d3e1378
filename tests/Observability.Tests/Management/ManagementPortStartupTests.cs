using System.Globalization;
using ImageGateway.TestSupport;

namespace ImageGateway.Observability.Tests.Management;

/// <summary>Where the real processes put the management port, and what they refuse.</summary>
public sealed class ManagementPortStartupTests
{
    private static readonly string Configuration = Stack.Configuration(typeof(ManagementPortStartupTests).Assembly);

    [Theory]
    [InlineData("backend")]
    [InlineData("gateway")]
    public async Task Start_WithTheManagementPortEqualToThePublicPort_StopsNamingTheKey(string app)
    {
        var port = FreePort.Get();
        var environment = new Dictionary<string, string> { [AppProcess.ManagementPortVariable] = port.ToString(CultureInfo.InvariantCulture) };
        var assembly = app == "backend" ? Stack.BackendAssembly(Configuration) : Stack.GatewayAssembly(Configuration);

        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => AppProcess.StartAsync(app, assembly, port, environment, timeout: TimeSpan.FromSeconds(30)));

        Assert.Contains($"Management:Port is {port}, which is also a public port", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("backend")]
    [InlineData("gateway")]
    public async Task Start_FromConfiguredUrls_ListensOnThePublicAndTheManagementPort_OnTheSameInterface(string app)
    {
        var assembly = app == "backend" ? Stack.BackendAssembly(Configuration) : Stack.GatewayAssembly(Configuration);
        await using var process = await AppProcess.StartAsync(app, assembly, FreePort.Get(), readyPath: "/health/live");
        using var client = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };

        using var metrics = await client.GetAsync(new Uri(process.ManagementAddress, "/metrics"));
        using var publicMetrics = await client.GetAsync(new Uri(process.BaseAddress, "/metrics"));

        Assert.Equal(System.Net.HttpStatusCode.OK, metrics.StatusCode);
        Assert.Equal(System.Net.HttpStatusCode.NotFound, publicMetrics.StatusCode);
        Assert.Contains($"Now listening on: http://127.0.0.1:{process.ManagementPort}", process.Output, StringComparison.Ordinal);
    }
}
