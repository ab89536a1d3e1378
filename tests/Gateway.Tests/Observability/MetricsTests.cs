using System.Diagnostics.Metrics;
using System.Net;
using System.Text.RegularExpressions;
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
    public async Task Upload_Decisions_AreCountedByDecisionErrorTypeAndFormat()
    {
        using var decisions = new MetricCollector<long>(_stack.Gateway.Services.GetRequiredService<IMeterFactory>(), GatewayMetrics.MeterName, "image_gateway.inspection.decisions");

        (await _stack.PostAsync(CraftedImages.Png(20_000, 20_000))).Dispose();
        (await _stack.PostAsync(CraftedImages.Png(8, 8, rows: 8))).Dispose();
        (await _stack.PostAsync([])).Dispose();

        var measurements = decisions.GetMeasurementSnapshot();
        Assert.Equal(3, measurements.Count);
        Assert.Contains(measurements, m => Equals(m.Tags["image_gateway.decision"], "rejected") && Equals(m.Tags["error.type"], "image-too-large"));
        Assert.Contains(measurements, m => Equals(m.Tags["image_gateway.decision"], "accepted") && !m.Tags.ContainsKey("error.type") && Equals(m.Tags["image.format"], "png"));
        Assert.Contains(measurements, m => Equals(m.Tags["image_gateway.decision"], "rejected") && Equals(m.Tags["error.type"], "empty-body"));
    }

    [Fact]
    public async Task GetMetrics_OnTheManagementPortAfterUploads_ServesPrometheusTextWithGatewayDispatchForwardingAndRuntimeMeters()
    {
        (await _stack.PostAsync(CraftedImages.Png(8, 8, rows: 8))).Dispose();
        (await _stack.PostAsync(CraftedImages.Png(20_000, 20_000))).Dispose();

        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        using var management = _stack.Gateway.CreateManagementClient();
        using var response = await management.GetAsync("/metrics", cts.Token);
        var text = await response.Content.ReadAsStringAsync(cts.Token);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.StartsWith("text/plain", response.Content.Headers.ContentType?.MediaType, StringComparison.Ordinal);
        Assert.Contains("image_gateway_inspection_decisions_total{", text, StringComparison.Ordinal);
        Assert.Contains("error_type=\"image-too-large\"", text, StringComparison.Ordinal);
        Assert.Contains("image_gateway_dispatch_capacity_limit_bytes", text, StringComparison.Ordinal);
        Assert.Contains("image_gateway_buffering_pool_limit_bytes", text, StringComparison.Ordinal);
        Assert.Contains("image_gateway_forwarding_destination_available{otel_scope_name=\"ImageGateway.Gateway\",image_gateway_destination=\"backend1\"} 1", text, StringComparison.Ordinal);
        Assert.Contains("http_client_request_duration", text, StringComparison.Ordinal);
        Assert.Contains("dotnet_gc_last_collection_heap_size_bytes{", text, StringComparison.Ordinal);
        Assert.Contains("target_info{service_name=\"image-gateway-gateway\",service_namespace=\"image-gateway\",service_version=", text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task PeekSize_AnUploadPeekedPast10000Bytes_FallsInAFiniteBucket()
    {
        // Other tests share the stack, so compare the buckets before and after this one upload.
        using var management = _stack.Gateway.CreateManagementClient();
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        var before = await management.GetStringAsync("/metrics", cts.Token);

        // A JPEG whose frame header sits behind 60 KB of APP data: the peek reads ~60 KB before deciding.
        (await _stack.PostAsync(CraftedImages.JpegHeader(64, 64, appBytes: 60_000))).Dispose();

        // The exporter serves a scrape from its cache for a moment (300 ms by default): scrape until it is new.
        var after = before;
        while (AcceptedPeekBucket(after, "+Inf") == AcceptedPeekBucket(before, "+Inf"))
        {
            await Task.Delay(100, cts.Token);
            after = await management.GetStringAsync("/metrics", cts.Token);
        }

        // The 65536 bucket holds it; with the SDK's default boundaries (largest 10000) it was +Inf only.
        Assert.Equal(1, AcceptedPeekBucket(after, "65536") - AcceptedPeekBucket(before, "65536"));
        Assert.Equal(0, AcceptedPeekBucket(after, "16384") - AcceptedPeekBucket(before, "16384"));
    }

    /// <summary>The cumulative count of accepted uploads' peek sizes up to <paramref name="le"/>; 0 before the first.</summary>
    private static long AcceptedPeekBucket(string metrics, string le)
    {
        var match = Regex.Match(metrics, $$"""image_gateway_inspection_peek_size_bytes_bucket\{[^}]*image_gateway_decision="accepted"[^}]*le="{{Regex.Escape(le)}}"\} (\d+)\n""");
        return match.Success ? long.Parse(match.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture) : 0;
    }
}
