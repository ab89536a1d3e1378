using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace ImageGateway.Gateway.Observability;

/// <summary>The gateway's own instruments: admission decisions, peeked bytes (dispatch has its own, <c>DispatchMetrics</c>).</summary>
public sealed class GatewayMetrics
{
    public const string MeterName = "ImageGateway.Gateway";

    private readonly Counter<long> _uploads;
    private readonly Histogram<long> _peekBytes;

    public GatewayMetrics(IMeterFactory meterFactory)
    {
        var meter = meterFactory.Create(MeterName);
        _uploads = meter.CreateCounter<long>("gateway.uploads", "{upload}",
            "Uploads by admission decision (accepted, rejected, throttled) and reason.");
        _peekBytes = meter.CreateHistogram<long>("gateway.uploads.peek_bytes", "By",
            "Bytes of the body examined before the admission decision.");
    }

    /// <summary>Counts one admission decision after <paramref name="peekedBytes"/> bytes were examined.</summary>
    public void Inspected(string? format, string decision, string reason, long peekedBytes)
    {
        if (_uploads.Enabled)
        {
            _uploads.Add(1, Tags(format, decision, reason));
        }

        if (_peekBytes.Enabled)
        {
            _peekBytes.Record(peekedBytes, new KeyValuePair<string, object?>("decision", decision));
        }
    }

    /// <summary>Counts an upload refused by the limiter (<paramref name="reason"/>: overloaded or client-over-quota).</summary>
    public void Throttled(string? format, string reason)
    {
        if (_uploads.Enabled)
        {
            _uploads.Add(1, Tags(format, "throttled", reason));
        }
    }

    private static TagList Tags(string? format, string decision, string reason) => new()
    {
        { "decision", decision },
        { "reason", reason },
        { "format", format ?? "none" },
    };
}
