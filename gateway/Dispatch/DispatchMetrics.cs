using System.Diagnostics;
using System.Diagnostics.Metrics;
using ImageGateway.Gateway.Observability;
using Microsoft.Extensions.Options;
using Yarp.ReverseProxy;

namespace ImageGateway.Gateway.Dispatch;

/// <summary>The dispatch instruments: capacity from the load reports, the queue, the drain rate, sheds and retries.</summary>
public sealed class DispatchMetrics
{
    private readonly Counter<long> _shed;
    private readonly Counter<long> _retries;
    private readonly Histogram<long> _cost;
    private readonly Histogram<double> _wait;

    public DispatchMetrics(IMeterFactory meterFactory, DispatchScheduler scheduler, IProxyStateLookup proxy, IOptions<DispatchOptions> options)
    {
        var meter = meterFactory.Create(GatewayMetrics.MeterName);
        var clusterId = options.Value.ClusterId;
        _shed = meter.CreateCounter<long>("image_gateway.dispatch.shed", "{upload}",
            "Uploads refused with 503 overloaded because their wait for capacity would be, or was, over the queue bound (error.type: expected-wait, queue-timeout, before-peek, buffer-pool-full).");
        _retries = meter.CreateCounter<long>("image_gateway.dispatch.retries", "{upload}",
            "Buffered uploads sent again to another destination after a backend answered 503 overloaded.");
        _cost = meter.CreateHistogram<long>("image_gateway.dispatch.cost", "By",
            "Decode cost (body plus decode estimate) of dispatched uploads.");
        _wait = meter.CreateHistogram<double>("image_gateway.dispatch.queue.wait", "s",
            "Time dispatched uploads waited for capacity.");
        meter.CreateObservableGauge("image_gateway.dispatch.capacity", () => Capacity(scheduler, proxy, clusterId).Capacity, "By",
            "Sum of the decode budgets that available destinations report.");
        meter.CreateObservableGauge("image_gateway.dispatch.free", () => Capacity(scheduler, proxy, clusterId).Free, "By",
            "What of the capacity is free as this gateway believes: reports less what it dispatched since.");
        meter.CreateObservableGauge("image_gateway.dispatch.queue.bytes", () => scheduler.QueuedBytes, "By",
            "Decode cost of the uploads waiting in the dispatch queue.");
        meter.CreateObservableGauge("image_gateway.dispatch.queue.uploads", () => scheduler.Waiting, "{upload}",
            "Uploads waiting in the dispatch queue.");
        meter.CreateObservableGauge("image_gateway.dispatch.drain_rate", () => scheduler.DrainBytesPerSecond ?? 0, "By/s",
            "Measured drain rate of capacity (EWMA of bytes released per second while uploads wait); 0 before it is measured.");
    }

    public void Shed(string reason, string? format)
    {
        if (_shed.Enabled)
        {
            _shed.Add(1, new TagList { { "error.type", reason }, { "image.format", format ?? "none" } });
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
