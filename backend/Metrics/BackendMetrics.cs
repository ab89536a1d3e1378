using System.Diagnostics;
using System.Diagnostics.Metrics;
using ImageGateway.Backend.Admission;
using ImageGateway.Backend.Memory;

namespace ImageGateway.Backend.Metrics;

/// <summary>The backend's instruments, on one meter from <see cref="IMeterFactory"/>; exported at <c>/metrics</c>.</summary>
public sealed class BackendMetrics
{
    public const string MeterName = "ImageGateway.Backend";

    private readonly Counter<long> _requests;
    private readonly Histogram<double> _decodeDuration;

    public BackendMetrics(IMeterFactory meterFactory, DecodeAdmission admission, MemoryBudget budget, ContainerMemory container)
    {
        ArgumentNullException.ThrowIfNull(meterFactory);
        var meter = meterFactory.Create(MeterName);
        _requests = meter.CreateCounter<long>("backend.requests", "{request}", "Counting requests answered, by outcome (counted, rejected, overloaded) and reason (the problem type, or ok).");
        _decodeDuration = meter.CreateHistogram<double>("backend.decode.duration", "s", "Time to decode and count one image, by format.",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5] });
        meter.CreateObservableUpDownCounter("backend.admission.budget.used", () => admission.BytesInUse, "By", "Bytes of the decode budget reserved by admitted requests.");
        meter.CreateObservableUpDownCounter("backend.admission.budget.limit", () => budget.DecodeBudgetBytes, "By", "The decode budget.");
        meter.CreateObservableUpDownCounter("backend.admission.queue.size", () => admission.BytesQueued, "By", "Bytes of work waiting for the decode budget.");
        meter.CreateObservableUpDownCounter("backend.gc.heap.size", () => GC.GetGCMemoryInfo().HeapSizeBytes, "By", "GC heap size at the last collection.");
        meter.CreateObservableUpDownCounter("backend.gc.heap.limit", () => budget.GcHeapLimitBytes, "By", "The GC heap hard limit.");
        meter.CreateObservableUpDownCounter("backend.cgroup.memory.usage", () => container.UsageBytes is { } usage ? [new Measurement<long>(usage)] : Array.Empty<Measurement<long>>(),
            "By", "Memory charged to the backend's cgroup (page cache included).");
        if (budget.ContainerLimitBytes is { } limit)
        {
            meter.CreateObservableUpDownCounter("backend.cgroup.memory.limit", () => limit, "By", "The container's memory limit.");
        }
    }

    /// <summary>Records one answered request.</summary>
    public void Answered(string outcome, string reason)
    {
        if (_requests.Enabled)
        {
            _requests.Add(1, new TagList { { "outcome", outcome }, { "reason", reason } });
        }
    }

    /// <summary>Records one decode and count of a <paramref name="format"/> image.</summary>
    public void Decoded(string format, TimeSpan duration)
    {
        if (_decodeDuration.Enabled)
        {
            _decodeDuration.Record(duration.TotalSeconds, new TagList { { "format", format } });
        }
    }
}
