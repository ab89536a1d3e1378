using System.Diagnostics;
using System.Diagnostics.Metrics;
using ImageGateway.Common.Observability;
using Yarp.ReverseProxy;

namespace ImageGateway.Gateway.Observability;

/// <summary>
/// The gateway's own instruments (<c>image_gateway.&lt;area&gt;.&lt;thing&gt;</c>, listed in
/// docs/observability.md): inspection decisions and peeked bytes, and what YARP knows of each
/// destination's health (YARP 2.3 publishes EventCounters only). Dispatch has its own
/// (<c>DispatchMetrics</c>) on the same meter.
/// </summary>
public sealed class GatewayMetrics
{
    public const string MeterName = "ImageGateway.Gateway";

    /// <summary>0, then powers of four to 64 KiB and of two to 1 MiB: most headers end in the first KiB, the peek window is 512 KiB by default.</summary>
    internal static readonly long[] PeekSizeBuckets = [0, 64, 256, 1024, 4096, 16384, 65536, 131072, 262144, 524288, 1048576];

    private readonly Counter<long> _decisions;
    private readonly Histogram<long> _peekSize;

    public GatewayMetrics(IMeterFactory meterFactory, IProxyStateLookup proxyState)
    {
        ArgumentNullException.ThrowIfNull(meterFactory);
        var meter = meterFactory.Create(MeterName);
        _decisions = meter.CreateCounter<long>("image_gateway.inspection.decisions", "{upload}",
            "Uploads inspected, by image_gateway.decision (accepted, rejected), error.type (the problem type of a rejection) and image.format.");
        _peekSize = meter.CreateHistogram("image_gateway.inspection.peek.size", "By",
            "Bytes of the body examined before the inspection decided, by image_gateway.decision.",
            advice: new InstrumentAdvice<long> { HistogramBucketBoundaries = PeekSizeBuckets });
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
