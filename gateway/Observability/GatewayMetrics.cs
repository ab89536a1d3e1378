using System.Diagnostics;
using System.Diagnostics.Metrics;
using ImageGateway.Common.Observability;
using ImageGateway.Gateway.Throttling;
using Yarp.ReverseProxy;

namespace ImageGateway.Gateway.Observability;

/// <summary>
/// The gateway's own instruments (<c>image_gateway.&lt;area&gt;.&lt;thing&gt;</c>, listed in
/// docs/observability.md): inspection decisions and peeked bytes, the decode budget, and what YARP
/// knows of each destination's health (YARP 2.3 publishes EventCounters only).
/// </summary>
public sealed class GatewayMetrics
{
    public const string MeterName = "ImageGateway.Gateway";

    /// <summary>0, then powers of four to 64 KiB and of two to 1 MiB: most headers end in the first KiB, the peek window is 512 KiB by default.</summary>
    internal static readonly long[] PeekSizeBuckets = [0, 64, 256, 1024, 4096, 16384, 65536, 131072, 262144, 524288, 1048576];

    /// <summary>Powers of two up to 16384 permits (1 GiB in 64 KiB permits).</summary>
    internal static readonly long[] CostBuckets = [1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024, 2048, 4096, 8192, 16384];

    private readonly Counter<long> _decisions;
    private readonly Histogram<long> _peekSize;
    private readonly Counter<long> _throttled;
    private readonly Histogram<long> _cost;

    public GatewayMetrics(IMeterFactory meterFactory, DecodeBudget budget, IProxyStateLookup proxyState)
    {
        ArgumentNullException.ThrowIfNull(meterFactory);
        var meter = meterFactory.Create(MeterName);
        _decisions = meter.CreateCounter<long>("image_gateway.inspection.decisions", "{upload}",
            "Uploads inspected, by image_gateway.decision (accepted, rejected), error.type (the problem type of a rejection) and image.format.");
        _peekSize = meter.CreateHistogram("image_gateway.inspection.peek.size", "By",
            "Bytes of the body examined before the inspection decided, by image_gateway.decision.",
            advice: new InstrumentAdvice<long> { HistogramBucketBoundaries = PeekSizeBuckets });
        _throttled = meter.CreateCounter<long>("image_gateway.throttling.rejections", "{upload}",
            "Inspected uploads the limiter refused, by error.type (overloaded, client-over-quota) and image.format.");
        _cost = meter.CreateHistogram("image_gateway.throttling.upload.cost", "{permit}",
            "Decode-budget permits an admitted upload asks for.",
            advice: new InstrumentAdvice<long> { HistogramBucketBoundaries = CostBuckets });
        meter.CreateObservableUpDownCounter("image_gateway.throttling.permits.available", () => budget.Statistics.CurrentAvailablePermits,
            "{permit}", "Decode-budget permits free now.");
        meter.CreateObservableUpDownCounter("image_gateway.throttling.permits.queued", () => budget.Statistics.CurrentQueuedCount,
            "{permit}", "Decode-budget permits that queued uploads wait for now.");
        meter.CreateObservableUpDownCounter("image_gateway.throttling.permits.limit", () => budget.TotalPermits,
            "{permit}", "The whole decode budget of the backends, in permits.");
        meter.CreateObservableGauge("image_gateway.forwarding.destination.available", () => Destinations(proxyState),
            "{destination}", "1 while YARP may send uploads to the destination (active and passive health), else 0; by image_gateway.destination.");
    }

    /// <summary>Counts one inspection decision after <paramref name="peekedBytes"/> bytes were examined; <paramref name="reason"/> is null when accepted.</summary>
    public void Inspected(string? format, string? reason, long peekedBytes)
    {
        var decision = reason is null ? "accepted" : "rejected";
        if (_decisions.Enabled)
        {
            var tags = new TagList { { TelemetryAttributes.Decision, decision } };
            if (reason is not null)
            {
                tags.Add(TelemetryAttributes.ErrorType, reason);
            }

            if (format is not null)
            {
                tags.Add(TelemetryAttributes.ImageFormat, format);
            }

            _decisions.Add(1, tags);
        }

        if (_peekSize.Enabled)
        {
            _peekSize.Record(peekedBytes, new KeyValuePair<string, object?>(TelemetryAttributes.Decision, decision));
        }
    }

    /// <summary>Counts an upload refused by the limiter (<paramref name="reason"/>: overloaded or client-over-quota).</summary>
    public void Throttled(string? format, string reason)
    {
        if (_throttled.Enabled)
        {
            var tags = new TagList { { TelemetryAttributes.ErrorType, reason } };
            if (format is not null)
            {
                tags.Add(TelemetryAttributes.ImageFormat, format);
            }

            _throttled.Add(1, tags);
        }
    }

    /// <summary>Records the permits an upload asked for.</summary>
    public void Cost(int permits)
    {
        if (_cost.Enabled)
        {
            _cost.Record(permits);
        }
    }

    private static IEnumerable<Measurement<int>> Destinations(IProxyStateLookup proxyState)
    {
        foreach (var cluster in proxyState.GetClusters())
        {
            var available = cluster.DestinationsState.AvailableDestinations;
            foreach (var destination in cluster.Destinations.Values)
            {
                yield return new Measurement<int>(available.Contains(destination) ? 1 : 0,
                    new KeyValuePair<string, object?>(TelemetryAttributes.Destination, destination.DestinationId));
            }
        }
    }
}
