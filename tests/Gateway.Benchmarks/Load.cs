using System.Diagnostics;
using HdrHistogram;
using ImageGateway.TestSupport.Load;

namespace ImageGateway.Gateway.Benchmarks;

/// <summary>The outcome of one closed-loop load run.</summary>
internal sealed record LoadResult(long Ok, long Failed, TimeSpan Duration, double P50Ms, double P99Ms, long BytesPerRequest, string FailedStatuses)
{
    public double RequestsPerSecond => Ok / Duration.TotalSeconds;

    public double MegabytesPerSecond => RequestsPerSecond * BytesPerRequest / 1e6;

    /// <summary>CPU time each watched process spent during the measured run.</summary>
    public IReadOnlyDictionary<string, TimeSpan> Cpu { get; init; } = new Dictionary<string, TimeSpan>();

    /// <summary>CPU microseconds <paramref name="process"/> spent per request served.</summary>
    public double CpuMicrosPerRequest(string process) => Cpu[process].TotalMicroseconds / Math.Max(1, Ok + Failed);

    public override string ToString() =>
        $"{RequestsPerSecond,8:F1} req/s {MegabytesPerSecond,8:F1} MB/s  p50 {P50Ms,7:F2} ms  p99 {P99Ms,7:F2} ms  ({Ok} ok, {Failed} failed{FailedStatuses})" +
        string.Concat(Cpu.Select(c => $"  {c.Key} {CpuMicrosPerRequest(c.Key):F0} us/req ({c.Value.TotalSeconds / Duration.TotalSeconds:P0})"));
}

/// <summary>
/// Closed-loop load on the shared <see cref="LoadClient"/>: <c>concurrency</c> users each post the same
/// body again and again until the duration is over; latency per request into an HdrHistogram.
/// </summary>
internal static class Load
{
    /// <summary>
    /// Warms up, then measures for <paramref name="duration"/>; when <paramref name="cpu"/> is given,
    /// the CPU time its processes spent in the measured part goes into the result.
    /// </summary>
    public static async Task<LoadResult> RunAsync(Uri target, byte[] body, int concurrency, TimeSpan duration, TimeSpan warmup, string path = "/count-white-pixels", ProcessCpu? cpu = null)
    {
        using var sender = new UploadSender(target, TimeSpan.FromSeconds(60), path);
        var client = new LoadClient(sender);
        var upload = new Upload(body);
        await client.RunAsync([new Phase("warm-up", warmup, LoadModel.Closed, 0, concurrency, Counted: false)], upload, new Tally(), CancellationToken.None);
        var before = cpu?.Snapshot();
        var tally = new Tally();
        var clock = Stopwatch.StartNew();
        await client.RunAsync([new Phase("measured", duration, LoadModel.Closed, 0, concurrency)], upload, tally, CancellationToken.None);
        var result = tally.Result(clock.Elapsed, body.Length);
        return cpu is null ? result : result with { Cpu = ProcessCpu.Since(before!, cpu.Snapshot()) };
    }

    /// <summary>Counts answers by status and records latencies (Stopwatch ticks); one short lock per answer.</summary>
    private sealed class Tally : ILoadObserver<Upload>
    {
        private readonly Lock _lock = new();
        private readonly LongHistogram _histogram = new(TimeStamp.Minutes(1), 3);
        private readonly SortedDictionary<int, long> _failedStatuses = [];
        private long _ok;

        public void OnSent(Phase phase, Upload item)
        {
        }

        public void OnAnswered(Phase phase, Upload item, UploadOutcome outcome, TimeSpan latency)
        {
            lock (_lock)
            {
                _histogram.RecordValue((long)(latency.TotalSeconds * Stopwatch.Frequency));
                if (outcome.Status == 200)
                {
                    _ok++;
                }
                else
                {
                    _failedStatuses[outcome.Status] = _failedStatuses.GetValueOrDefault(outcome.Status) + 1;
                }
            }
        }

        public LoadResult Result(TimeSpan elapsed, long bytesPerRequest)
        {
            lock (_lock)
            {
                var ticksPerMs = Stopwatch.Frequency / 1000.0;
                var failedStatuses = _failedStatuses.Count == 0 ? string.Empty
                    : ": " + string.Join(", ", _failedStatuses.Select(s => $"{s.Value} x {(s.Key == 0 ? "no answer" : s.Key)}"));
                return new LoadResult(_ok, _failedStatuses.Values.Sum(), elapsed, _histogram.GetValueAtPercentile(50) / ticksPerMs, _histogram.GetValueAtPercentile(99) / ticksPerMs, bytesPerRequest, failedStatuses);
            }
        }
    }
}
