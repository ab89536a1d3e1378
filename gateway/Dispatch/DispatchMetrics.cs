using System.Diagnostics;
using System.Diagnostics.Metrics;
using ImageGateway.Common.Observability;
using ImageGateway.Gateway.Observability;
using Microsoft.Extensions.Options;
using Yarp.ReverseProxy;

namespace ImageGateway.Gateway.Dispatch;

/// <summary>The dispatch instruments: capacity from the load reports, the queue, the drain rate, sheds and retries.</summary>
public sealed class DispatchMetrics
{
    /// <summary>Powers of four from 64 KiB to 256 MiB: a thumbnail costs ~200 KiB, a 4 Mpx photo ~10 MiB.</summary>
    internal static readonly long[] CostBuckets = [65536, 262144, 1048576, 4194304, 16777216, 67108864, 268435456];

    /// <summary>Up to the queue bound (2 s by default) and a little past it.</summary>
    internal static readonly double[] WaitBuckets = [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2, 4];

    private readonly Counter<long> _shed;
    private readonly Counter<long> _overShare;
    private readonly Counter<long> _retries;
    private readonly Histogram<long> _cost;
    private readonly Histogram<double> _wait;

    public DispatchMetrics(IMeterFactory meterFactory, DispatchScheduler scheduler, IProxyStateLookup proxy, IOptions<DispatchOptions> options)
    {
        var meter = meterFactory.Create(GatewayMetrics.MeterName);
        var clusterId = options.Value.ClusterId;
        _shed = meter.CreateCounter<long>("image_gateway.dispatch.shed", "{upload}",
            "Uploads refused with 503 overloaded because their wait for capacity would be, or was, over the queue bound (error.type: expected-wait, queue-timeout, before-peek, buffer-pool-full).");
        _overShare = meter.CreateCounter<long>("image_gateway.dispatch.over_share", "{upload}",
            "Uploads refused with 429 client-over-quota because their client already held its share of the capacity.");
        _retries = meter.CreateCounter<long>("image_gateway.dispatch.retries", "{upload}",
            "Buffered uploads sent again to another destination after a backend answered 503 overloaded.");
        _cost = meter.CreateHistogram("image_gateway.dispatch.cost", "By",
            "Decode cost (body plus decode estimate) of dispatched uploads.",
            advice: new InstrumentAdvice<long> { HistogramBucketBoundaries = CostBuckets });
        _wait = meter.CreateHistogram("image_gateway.dispatch.queue.wait", "s",
            "Time dispatched uploads waited for capacity.",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = WaitBuckets });
        meter.CreateObservableUpDownCounter("image_gateway.dispatch.capacity.limit", () => Capacity(scheduler, proxy, clusterId).Capacity, "By",
            "Sum of the decode budgets that available destinations report.");
        meter.CreateObservableUpDownCounter("image_gateway.dispatch.capacity.usage", () =>
        {
            var (capacity, free) = Capacity(scheduler, proxy, clusterId);
            return capacity - free;
        }, "By",
            "What of the capacity is in use as this gateway believes: the reports plus what it dispatched since.");
        meter.CreateObservableUpDownCounter("image_gateway.dispatch.queue.usage", () => scheduler.QueuedBytes, "By",
            "Decode cost of the uploads waiting in the dispatch queue.");
        meter.CreateObservableUpDownCounter("image_gateway.dispatch.queue.uploads", () => scheduler.Waiting, "{upload}",
            "Uploads waiting in the dispatch queue.");
        meter.CreateObservableGauge("image_gateway.dispatch.drain_rate", () => scheduler.DrainBytesPerSecond ?? 0, "By/s",
            "Measured drain rate of capacity (EWMA of bytes released per second while uploads wait); 0 before it is measured.");
    }

    public void Shed(string reason, string? format)
    {
        if (_shed.Enabled)
        {
            _shed.Add(1, new TagList { { TelemetryAttributes.ErrorType, reason }, { TelemetryAttributes.ImageFormat, format ?? "none" } });
        }
    }

    public void OverShare(string? format)
    {
        if (_overShare.Enabled)
        {
            _overShare.Add(1, new TagList { { TelemetryAttributes.ImageFormat, format ?? "none" } });
        }
    }

    public void Retried()
    {
        if (_retries.Enabled)
        {
            _retries.Add(1);
        }
    }

    public void Dispatched(long cost, TimeSpan waited)
    {
        if (_cost.Enabled)
        {
            _cost.Record(cost);
        }

        if (_wait.Enabled)
        {
            _wait.Record(waited.TotalSeconds);
        }
    }

    private static (long Capacity, long Free) Capacity(DispatchScheduler scheduler, IProxyStateLookup proxy, string clusterId)
    {
        if (!proxy.TryGetCluster(clusterId, out var cluster))
        {
            return (0, 0);
        }

        var (capacity, free, _) = scheduler.Capacity(cluster.DestinationsState.AvailableDestinations);
        return (capacity, free);
    }
}
