using System.Diagnostics.Metrics;
using System.Net;
using ImageGateway.Gateway.Dispatch;
using ImageGateway.Gateway.Observability;
using ImageGateway.Gateway.Tests.Infrastructure;
using ImageGateway.TestSupport;
using Microsoft.Extensions.Diagnostics.Metrics.Testing;
using Yarp.ReverseProxy;

namespace ImageGateway.Gateway.Tests.Dispatch;

/// <summary>
/// Dispatch on real Kestrel: one recording backend that reports a 1 MiB decode budget, no queue
/// (MaxQueueWait 0), requests held open at the backend to fill it.
/// </summary>
public sealed class DispatchTests : IAsyncLifetime
{
    private static readonly TimeSpan TestTimeout = TimeSpan.FromSeconds(15);
    private GatewayWithBackend _stack = null!;

    public async Task InitializeAsync()
    {
        _stack = await GatewayWithBackend.StartAsync(new Dictionary<string, string?>
        {
            ["Dispatch:MaxQueueWait"] = "00:00:00",
        });
        _stack.Backend.ReportedBudgetBytes = 1024 * 1024;
        // The first answer carries the report; until then the destination takes one upload at a time.
        (await _stack.PostAsync(CraftedImages.Png(8, 8, rows: 8))).Dispose();
    }

    public async Task DisposeAsync() => await _stack.DisposeAsync();

    [Fact]
    public async Task Capacity_AfterTheFirstAnswer_IsTheReportedBudget()
    {
        var scheduler = _stack.Gateway.Services.GetRequiredService<DispatchScheduler>();
        Assert.True(_stack.Gateway.Services.GetRequiredService<IProxyStateLookup>().TryGetCluster("backends", out var cluster));

        var (capacity, free, unreported) = scheduler.Capacity(cluster.DestinationsState.AvailableDestinations);

        Assert.Equal(1024 * 1024, capacity);
        Assert.Equal(capacity, free);
        Assert.Equal(0, unreported);
    }

    [Fact]
    public async Task Upload_WhileAPhotoHoldsTheWholeCapacity_Returns503WithRetryAfterAndIsNotForwarded()
    {
        using var shed = new MetricCollector<long>(_stack.Gateway.Services.GetRequiredService<IMeterFactory>(), GatewayMetrics.MeterName, "image_gateway.dispatch.shed");
        using var hold = _stack.Backend.Hold();
        var before = _stack.Backend.Started;

        // 1000x1000 PNG: a 1 MB mask and decoder state, more than the whole 1 MiB budget: it runs alone.
        var photo = _stack.PostAsync(CraftedImages.Png(1000, 1000, rows: 1));
        await _stack.Backend.WaitForInFlightAsync(1, TestTimeout);
        using var response = await _stack.PostAsync(CraftedImages.Png(8, 8, rows: 8)).WaitAsync(TestTimeout);

        await ProblemAssert.IsProblemAsync(response, HttpStatusCode.ServiceUnavailable, "urn:image-gateway:problem:overloaded");
        Assert.NotNull(response.Headers.RetryAfter?.Delta);
        Assert.Equal(before + 1, _stack.Backend.Started);
        Assert.Contains(shed.GetMeasurementSnapshot(), m => Equals(m.Tags["error.type"], DispatchDecision.TimedOutReason));

        hold.Dispose();
        using var photoResponse = await photo.WaitAsync(TestTimeout);
        Assert.Equal(HttpStatusCode.OK, photoResponse.StatusCode);
    }

    [Fact]
    public async Task Upload_ThumbnailsShareTheCapacity_UntilItIsSpent()
    {
        // 100x100 PNG: the backend's estimate is 192 KiB of decoder state + a 10 KB mask + rows + the
        // ~100 B body twice, 200-220 KB: four fit in 900,000 bytes, a fifth does not.
        _stack.Backend.ReportedBudgetBytes = 900_000;
        (await _stack.PostAsync(CraftedImages.Png(8, 8, rows: 8))).Dispose();
        using var hold = _stack.Backend.Hold();

        var thumbnailPng = CraftedImages.Png(100, 100, rows: 1);
        var thumbnails = Enumerable.Range(0, 4).Select(_ => _stack.PostAsync(thumbnailPng)).ToList();
        await _stack.Backend.WaitForInFlightAsync(4, TestTimeout);
        using var fifth = await _stack.PostAsync(thumbnailPng).WaitAsync(TestTimeout);

        Assert.Equal(HttpStatusCode.ServiceUnavailable, fifth.StatusCode);
        hold.Dispose();
        foreach (var thumbnail in thumbnails)
        {
            using var response = await thumbnail.WaitAsync(TestTimeout);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }
    }

    [Fact]
    public async Task Upload_ToABackendThatSaysItIsFull_IsAnsweredItsOverloadedAfterOneRetry()
    {
        // One destination only: the retry finds nowhere else to go, and the client gets a 503 with Retry-After.
        _stack.Backend.Overloaded = true;

        using var response = await _stack.PostAsync(CraftedImages.Png(8, 8, rows: 8)).WaitAsync(TestTimeout);

        await ProblemAssert.IsProblemAsync(response, HttpStatusCode.ServiceUnavailable, "urn:image-gateway:problem:overloaded");
        Assert.NotNull(response.Headers.RetryAfter?.Delta);
        Assert.Equal(1, _stack.Backend.RefusedOverloaded);
        Assert.False(response.Headers.Contains("endpoint-load-metrics"));
    }

    [Theory]
    [InlineData("/health/live")]
    [InlineData("/health/ready")]
    [InlineData("/metrics")]
    public async Task Get_OperationalEndpointWhileCapacityIsSpent_IsServed(string path)
    {
        using var hold = _stack.Backend.Hold();
        var photo = _stack.PostAsync(CraftedImages.Png(1000, 1000, rows: 1));
        await _stack.Backend.WaitForInFlightAsync(1, TestTimeout);

        using var cts = new CancellationTokenSource(TestTimeout);
        using var management = _stack.Gateway.CreateManagementClient(); // /metrics is served there only
        using var response = await (path == "/metrics" ? management : _stack.Client).GetAsync(path, cts.Token);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        hold.Dispose();
        (await photo.WaitAsync(TestTimeout)).Dispose();
    }
}
