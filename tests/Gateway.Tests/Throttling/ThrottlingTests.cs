using System.Diagnostics.Metrics;
using System.Globalization;
using System.Net;
using ImageGateway.Gateway.Observability;
using ImageGateway.Gateway.Tests.Infrastructure;
using ImageGateway.Gateway.Throttling;
using ImageGateway.TestSupport;
using Microsoft.Extensions.Diagnostics.Metrics.Testing;

namespace ImageGateway.Gateway.Tests.Throttling;

/// <summary>
/// The decode-budget limiter on the route, on real Kestrel: a budget of 16 permits (1 MiB of 64 KiB
/// permits, one backend) with no queue, filled by requests the recording backend holds open.
/// Fair share is off here (one test client); <see cref="ClientShareTests"/> covers it.
/// </summary>
public sealed class ThrottlingTests : IAsyncLifetime
{
    private GatewayWithBackend _stack = null!;

    public async Task InitializeAsync() => _stack = await GatewayWithBackend.StartAsync(new Dictionary<string, string?>
    {
        ["Throttling:DecodeBudgetBytesPerBackend"] = (1024 * 1024).ToString(CultureInfo.InvariantCulture),
        ["Throttling:QueueBudgets"] = "0",
        ["Throttling:RetryAfter"] = "00:00:03",
        ["Throttling:ClientShare"] = "0",
    });

    public async Task DisposeAsync() => await _stack.DisposeAsync();

    [Fact]
    public async Task Upload_WhileAPhotoHoldsTheWholeBudget_Returns503WithRetryAfterAndIsNotForwarded()
    {
        Assert.Equal(16, _stack.Gateway.Services.GetRequiredService<DecodeBudget>().TotalPermits);
        using var throttled = new MetricCollector<long>(_stack.Gateway.Services.GetRequiredService<IMeterFactory>(), GatewayMetrics.MeterName, "image_gateway.throttling.rejections");
        using var hold = _stack.Backend.Hold();

        // 1000x1000 PNG: a 1 MB mask and decoder state, more than the whole 1 MiB budget, so it takes all 16 permits.
        var photo = _stack.PostAsync(CraftedImages.Png(1000, 1000, rows: 1));
        await _stack.Backend.WaitForInFlightAsync(1, TimeSpan.FromSeconds(10));
        using var response = await _stack.PostAsync(CraftedImages.Png(8, 8, rows: 8));

        await ProblemAssert.IsProblemAsync(response, HttpStatusCode.ServiceUnavailable, "urn:image-gateway:problem:overloaded");
        Assert.Equal(TimeSpan.FromSeconds(3), response.Headers.RetryAfter?.Delta);
        Assert.Equal(1, _stack.Backend.Started);
        Assert.Contains(throttled.GetMeasurementSnapshot(), m => Equals(m.Tags["error.type"], "overloaded") && Equals(m.Tags["image.format"], "png"));

        hold.Dispose();
        using var photoResponse = await photo.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal(HttpStatusCode.OK, photoResponse.StatusCode);
    }

    [Fact]
    public async Task Upload_ThumbnailsShareTheBudget_UntilItIsSpent()
    {
        using var hold = _stack.Backend.Hold();

        // 100x100 PNG: the backend's estimate is 192 KiB of decoder state + a 10 KB mask + rows + the
        // ~100 B body twice, about 209 KB: four 64 KiB permits each, so four fit in the sixteen.
        var thumbnailPng = CraftedImages.Png(100, 100, rows: 1);
        var thumbnails = Enumerable.Range(0, 4).Select(_ => _stack.PostAsync(thumbnailPng)).ToList();
        await _stack.Backend.WaitForInFlightAsync(4, TimeSpan.FromSeconds(10));
        using var fifth = await _stack.PostAsync(thumbnailPng);

        Assert.Equal(HttpStatusCode.ServiceUnavailable, fifth.StatusCode);
        hold.Dispose();
        foreach (var thumbnail in thumbnails)
        {
            using var response = await thumbnail.WaitAsync(TimeSpan.FromSeconds(10));
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }
    }

    [Theory]
    [InlineData("/health/live", false)]
    [InlineData("/health/ready", false)]
    [InlineData("/health/ready", true)]
    [InlineData("/metrics", true)]
    public async Task Get_OperationalEndpointWhileBudgetIsSpent_IsServed(string path, bool onManagementPort)
    {
        using var hold = _stack.Backend.Hold();
        var photo = _stack.PostAsync(CraftedImages.Png(1000, 1000, rows: 1));
        await _stack.Backend.WaitForInFlightAsync(1, TimeSpan.FromSeconds(10));

        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        using var management = _stack.Gateway.CreateManagementClient();
        using var response = await (onManagementPort ? management : _stack.Client).GetAsync(path, cts.Token);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        hold.Dispose();
        (await photo.WaitAsync(TimeSpan.FromSeconds(10))).Dispose();
    }
}
