using System.Diagnostics;
using System.Diagnostics.Metrics;
using ImageGateway.Backend.Metrics;

namespace ImageGateway.Backend.Decoding;

/// <summary>
/// The worker pool's instruments, on the backend's meter (<see cref="BackendMetrics.MeterName"/>;
/// <see cref="IMeterFactory"/> hands both classes the same meter), kept beside the pool they measure.
/// Named <c>image_gateway.decode_worker.*</c>; failure reasons in <c>error.type</c>, formats in <c>image.format</c>.
/// </summary>
public sealed class DecodeWorkerMetrics
{
    private readonly Meter _meter;
    private readonly Counter<long> _restarts;
    private readonly Counter<long> _poisonRefusals;
    private readonly Histogram<long> _imageMemoryPeak;
    private readonly Histogram<double> _decodeCpu;

    public DecodeWorkerMetrics(IMeterFactory meterFactory)
    {
        ArgumentNullException.ThrowIfNull(meterFactory);
        _meter = meterFactory.Create(BackendMetrics.MeterName);
        _restarts = _meter.CreateCounter<long>("image_gateway.decode_worker.restarts", "{restart}",
            "Decode workers replaced, by why the last one ended (error.type: deadline, crash, oom, stalled).");
        _poisonRefusals = _meter.CreateCounter<long>("image_gateway.decode_worker.poison_refusals", "{upload}",
            "Uploads refused as poison-image (error.type: deadline or crash when the decode failed so, known when the body was remembered).");
        _imageMemoryPeak = _meter.CreateHistogram<long>("image_gateway.decode_worker.image_memory.peak", "By",
            "The most image memory one decode held at once (its allocator's peak), by image.format; the reservation is its limit.",
            advice: new InstrumentAdvice<long> { HistogramBucketBoundaries = [64 << 10, 256 << 10, 1 << 20, 2 << 20, 4 << 20, 8 << 20, 16 << 20, 32 << 20, 64 << 20, 128 << 20] });
        _decodeCpu = _meter.CreateHistogram<double>("image_gateway.decode_worker.decode.cpu_time", "s",
            "CPU time one counted decode used in its worker, by image.format: what the decode deadline bounds.",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10] });
    }

    /// <summary>Observes the workers alive now (called once by the pool).</summary>
    public void ObserveAlive(Func<int> alive) =>
        _meter.CreateObservableUpDownCounter("image_gateway.decode_worker.alive", () => alive(), "{worker}", "Decode workers running now, idle or busy.");

    /// <summary>Records one worker replaced because it ended as <paramref name="end"/>.</summary>
    public void Restarted(WorkerEnd end)
    {
        if (_restarts.Enabled)
        {
            _restarts.Add(1, new TagList { { "error.type", ErrorType(end) } });
        }
    }

    /// <summary>Records one poison refusal: at its decode (<paramref name="end"/>) or remembered (<see cref="WorkerEnd.None"/>).</summary>
    public void PoisonRefused(WorkerEnd end)
    {
        if (_poisonRefusals.Enabled)
        {
            _poisonRefusals.Add(1, new TagList { { "error.type", end == WorkerEnd.None ? "known" : ErrorType(end) } });
        }
    }

    /// <summary>Records a counted decode: its allocator peak and its CPU time.</summary>
    public void Decoded(DecodedUpload decoded)
    {
        ArgumentNullException.ThrowIfNull(decoded);
        ImageMemoryPeak(decoded.Result.Format, decoded.ImageMemoryPeakBytes);
        if (_decodeCpu.Enabled)
        {
            _decodeCpu.Record(decoded.CpuTime.TotalSeconds, new TagList { { "image.format", decoded.Result.Format } });
        }
    }

    /// <summary>Records a decode's allocator peak.</summary>
    public void ImageMemoryPeak(string format, long bytes)
    {
        if (_imageMemoryPeak.Enabled && bytes >= 0)
        {
            _imageMemoryPeak.Record(bytes, new TagList { { "image.format", format } });
        }
    }

    /// <summary>The <c>error.type</c> value of an end.</summary>
    public static string ErrorType(WorkerEnd end) => end switch
    {
        WorkerEnd.Deadline => "deadline",
        WorkerEnd.Stalled => "stalled",
        WorkerEnd.OutOfMemory => "oom",
        WorkerEnd.StartTimeout => "start_timeout",
        WorkerEnd.Shutdown => "shutdown",
        _ => "crash",
    };
}
