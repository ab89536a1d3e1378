using System.Net;
using System.Text.Json;
using ImageGateway.Gateway.Tests.Infrastructure;
using ImageGateway.TestSupport;

namespace ImageGateway.Gateway.Tests.Observability;

/// <summary>What the public port and the management port each serve, on the real gateway over Kestrel.</summary>
public sealed class ManagementPortTests : IAsyncLifetime
{
    private GatewayWithBackend _stack = null!;

    public async Task InitializeAsync() => _stack = await GatewayWithBackend.StartAsync();

    public async Task DisposeAsync() => await _stack.DisposeAsync();

    [Fact]
    public async Task GetMetrics_OnThePublicPort_Is404_AndOnTheManagementPortIs200()
    {
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        using var management = _stack.Gateway.CreateManagementClient();

        using var onPublic = await _stack.Client.GetAsync("/metrics", cts.Token);
        using var onManagement = await management.GetAsync("/metrics", cts.Token);

        Assert.Equal(HttpStatusCode.NotFound, onPublic.StatusCode);
        Assert.Equal(HttpStatusCode.OK, onManagement.StatusCode);
    }

    [Fact]
    public async Task GetMetrics_OnThePublicPortWithTheManagementPortInTheHostHeader_Is404()
    {
        // RequireHost would match on this header; the split is by the port the connection arrived on.
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        using var request = new HttpRequestMessage(HttpMethod.Get, "/metrics");
        request.Headers.Host = $"127.0.0.1:{_stack.Gateway.ManagementPort}";

        using var response = await _stack.Client.SendAsync(request, cts.Token);

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
    }

    [Fact]
    public async Task Ready_OnThePublicPort_HasTheStatusOnly_AndOnTheManagementPortNamesTheDestinations()
    {
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        using var management = _stack.Gateway.CreateManagementClient();

        var onPublic = await _stack.Client.GetStringAsync("/health/ready", cts.Token);
        var onManagement = JsonDocument.Parse(await management.GetStringAsync("/health/ready", cts.Token)).RootElement;

        Assert.Equal("""{"status":"Healthy"}""", onPublic);
        var destinations = onManagement.GetProperty("checks").GetProperty("backends").GetProperty("data").GetProperty("backends").GetProperty("destinations");
        Assert.True(destinations.TryGetProperty("backend1", out _), onManagement.ToString());
    }

    [Fact]
    public async Task Upload_OnTheManagementPort_Is404AndNotForwarded()
    {
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        using var management = _stack.Gateway.CreateManagementClient();

        using var response = await management.PostAsync("/count-white-pixels", new ByteArrayContent(CraftedImages.Png(8, 8, rows: 8)), cts.Token);

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal(0, _stack.Backend.Started);
    }

    [Fact]
    public async Task Ready_WithEveryBackendDown_StaysReady_AndUploadsGetNoHealthyBackend()
    {
        // A gateway whose only destination has nothing listening: YARP's active checks mark it down.
        var dead = new Uri($"http://127.0.0.1:{FreePort.Get()}");
        await using var gateway = GatewayFactory.Start([dead]);
        using var client = gateway.CreateLoopbackClient(TimeSpan.FromSeconds(10));
        using var management = gateway.CreateManagementClient();

        await Eventually(async () =>
        {
            using var detail = await management.GetAsync("/health/ready");
            return (await detail.Content.ReadAsStringAsync()).Contains("\"available\":0", StringComparison.Ordinal);
        }, TimeSpan.FromSeconds(20));

        using var ready = await client.GetAsync("/health/ready");
        using var upload = await client.PostAsync("/count-white-pixels", new ByteArrayContent(CraftedImages.Png(8, 8, rows: 8)));

        Assert.Equal(HttpStatusCode.OK, ready.StatusCode);
        await ProblemAssert.IsProblemAsync(upload, HttpStatusCode.ServiceUnavailable, "urn:image-gateway:problem:no-healthy-backend");
        Assert.NotNull(upload.Headers.RetryAfter?.Delta);
    }

    private static async Task Eventually(Func<Task<bool>> condition, TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        while (!await condition())
        {
            await Task.Delay(200, cts.Token);
        }
    }
}
