using System.Diagnostics;
using System.Diagnostics.Metrics;
using ImageGateway.Backend.Admission;
using ImageGateway.Backend.Memory;
using ImageGateway.Common.Observability;

namespace ImageGateway.Backend.Metrics;

/// <summary>
/// The backend's own instruments (<c>image_gateway.&lt;area&gt;.&lt;thing&gt;</c>, listed in
/// docs/observability.md), on one meter from <see cref="IMeterFactory"/>; exported at <c>/metrics</c>
/// on the management port with the runtime's, ASP.NET Core's and Kestrel's.
/// </summary>
public sealed class BackendMetrics
{
    public const string MeterName = "ImageGateway.Backend";

    /// <summary>5 ms to 30 s: a thumbnail decodes in about a millisecond, the largest admitted images in seconds; over 5 s is a runaway (alert).</summary>
    internal static readonly double[] DecodeDurationBuckets = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

    /// <summary>Up to the default queue timeout (2 s) and past it.</summary>
    internal static readonly double[] AdmissionWaitBuckets = [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2, 5];

    private readonly Counter<long> _requests;
    private readonly Histogram<double> _decodeDuration;
    private readonly UpDownCounter<long> _decodesActive;
    private readonly Histogram<double> _admissionWait;

    public BackendMetrics(IMeterFactory meterFactory, DecodeAdmission admission, MemoryBudget budget, ContainerMemory container)
    {
        ArgumentNullException.ThrowIfNull(meterFactory);
        var meter = meterFactory.Create(MeterName);
        _requests = meter.CreateCounter<long>("image_gateway.counting.requests", "{request}",
            "Counting requests answered, by image_gateway.outcome (counted, rejected, overloaded) and error.type (the problem type of a rejection; queue-full, queue-timeout or worker-unavailable when overloaded).");
        _decodeDuration = meter.CreateHistogram("image_gateway.decode.duration", "s",
            "Time to decode one image and count its white pixels, by image.format.",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = DecodeDurationBuckets });
        _decodesActive = meter.CreateUpDownCounter<long>("image_gateway.decode.active", "{decode}",
            "Decodes running now.");
        _admissionWait = meter.CreateHistogram("image_gateway.admission.wait.duration", "s",
            "Time one request waited for its reservations of the decode budget (body, then decode), by error.type when it was refused.",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = AdmissionWaitBuckets });
        meter.CreateObservableUpDownCounter("image_gateway.admission.budget.usage", () => admission.BytesInUse, "By",
            "Bytes of the decode budget reserved by admitted requests now.");
        meter.CreateObservableUpDownCounter("image_gateway.admission.budget.limit", () => budget.DecodeBudgetBytes, "By",
            "The decode budget.");
        meter.CreateObservableUpDownCounter("image_gateway.admission.queue.usage", () => admission.BytesQueued, "By",
            "Bytes of work waiting in the admission queue now.");
        meter.CreateObservableUpDownCounter("image_gateway.admission.queue.limit", () => admission.QueueLimit * (long)DecodeAdmission.PermitBytes, "By",
            "The most bytes of work the admission queue holds.");
        meter.CreateObservableUpDownCounter("image_gateway.memory.gc_heap.limit", () => budget.GcHeapLimitBytes, "By",
            "The GC heap hard limit (the GC heap itself: dotnet.gc.last_collection.heap.size).");
        meter.CreateObservableUpDownCounter("image_gateway.container.memory.usage",
            () => container.UsageBytes is { } usage ? [new Measurement<long>(usage)] : Array.Empty<Measurement<long>>(),
            "By", "Memory charged to the backend's cgroup now (page cache included): what the kernel OOM-kills on.");
        if (budget.ContainerLimitBytes is { } limit)
        {
            meter.CreateObservableUpDownCounter("image_gateway.container.memory.limit", () => limit, "By", "The container's memory limit.");
        }

        meter.CreateObservableCounter("image_gateway.container.memory.oom_kills",
            () => container.OomKills is { } kills ? [new Measurement<long>(kills)] : Array.Empty<Measurement<long>>(),
            "{kill}", "Processes of the backend's cgroup the kernel OOM-killed since the cgroup was made.");
    }

    /// <summary>Records one answered request; <paramref name="reason"/> is null when it was counted.</summary>
    public void Answered(string outcome, string? reason)
    {
        if (_requests.Enabled)
        {
            var tags = new TagList { { TelemetryAttributes.Outcome, outcome } };
            if (reason is not null)
            {
                tags.Add(TelemetryAttributes.ErrorType, reason);
            }

            _requests.Add(1, tags);
        }
    }

    /// <summary>A decode starts; dispose the result when it ends, with <see cref="Decoded"/> recorded on success.</summary>
    public ActiveDecode DecodeStarted()
    {
        _decodesActive.Add(1);
        return new ActiveDecode(_decodesActive);
    }

    /// <summary>Records one decode and count of a <paramref name="format"/> image.</summary>
    public void Decoded(string format, TimeSpan duration)
    {
        if (_decodeDuration.Enabled)
        {
            _decodeDuration.Record(duration.TotalSeconds, new KeyValuePair<string, object?>(TelemetryAttributes.ImageFormat, format));
        }
    }

    /// <summary>Records how long one request waited for the budget; <paramref name="refusal"/> names the refusal, if it was refused.</summary>
    public void AdmissionWaited(TimeSpan waited, string? refusal)
    {
        if (_admissionWait.Enabled)
        {
            if (refusal is null)
            {
                _admissionWait.Record(waited.TotalSeconds);
            }
            else
            {
                _admissionWait.Record(waited.TotalSeconds, new KeyValuePair<string, object?>(TelemetryAttributes.ErrorType, refusal));
            }
        }
    }

    /// <summary>One running decode; counts down once on dispose.</summary>
    public struct ActiveDecode(UpDownCounter<long> active) : IDisposable
    {
        private UpDownCounter<long>? _active = active;

        public void Dispose()
        {
            _active?.Add(-1);
            _active = null;
        }
    }
}
