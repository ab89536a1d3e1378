using System.Diagnostics.Metrics;
using System.Net;
using ImageGateway.Gateway.Observability;
using ImageGateway.Gateway.Tests.Infrastructure;
using ImageGateway.TestSupport;
using Microsoft.Extensions.Diagnostics.Metrics.Testing;

namespace ImageGateway.Gateway.Tests.Observability;

public sealed class MetricsTests : IAsyncLifetime
{
    private GatewayWithBackend _stack = null!;

    public async Task InitializeAsync() => _stack = await GatewayWithBackend.StartAsync();

    public async Task DisposeAsync() => await _stack.DisposeAsync();

    [Fact]
    public async Task Upload_Decisions_AreCountedByDecisionReasonAndFormat()
    {
        using var uploads = new MetricCollector<long>(_stack.Gateway.Services.GetRequiredService<IMeterFactory>(), GatewayMetrics.MeterName, "gateway.uploads");

        (await _stack.PostAsync(CraftedImages.Png(20_000, 20_000))).Dispose();
        (await _stack.PostAsync(CraftedImages.Png(8, 8, rows: 8))).Dispose();
        (await _stack.PostAsync([])).Dispose();

        var measurements = uploads.GetMeasurementSnapshot();
        Assert.Equal(3, measurements.Count);
        Assert.Contains(measurements, m => Equals(m.Tags["decision"], "rejected") && Equals(m.Tags["reason"], "image-too-large"));
        Assert.Contains(measurements, m => Equals(m.Tags["decision"], "accepted") && Equals(m.Tags["reason"], "ok") && Equals(m.Tags["format"], "png"));
        Assert.Contains(measurements, m => Equals(m.Tags["decision"], "rejected") && Equals(m.Tags["reason"], "empty-body"));
    }

    [Fact]
    public async Task GetMetrics_AfterUploads_ServesPrometheusTextWithGatewayDispatchAndForwardingMeters()
    {
        (await _stack.PostAsync(CraftedImages.Png(8, 8, rows: 8))).Dispose();
        (await _stack.PostAsync(CraftedImages.Png(20_000, 20_000))).Dispose();

        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        using var response = await _stack.Client.GetAsync("/metrics", cts.Token);
        var text = await response.Content.ReadAsStringAsync(cts.Token);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.StartsWith("text/plain", response.Content.Headers.ContentType?.MediaType, StringComparison.Ordinal);
        Assert.Contains("gateway_uploads_total{", text, StringComparison.Ordinal);
        Assert.Contains("reason=\"image-too-large\"", text, StringComparison.Ordinal);
        Assert.Contains("gateway_uploads_peek_bytes", text, StringComparison.Ordinal);
        Assert.Contains("image_gateway_dispatch_capacity_bytes", text, StringComparison.Ordinal);
        Assert.Contains("image_gateway_buffering_pool_limit_bytes", text, StringComparison.Ordinal);
        Assert.Contains("http_client_request_duration", text, StringComparison.Ordinal);
    }
}
