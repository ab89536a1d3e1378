using System.Diagnostics;
using System.Net;
using HdrHistogram;

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
/// Closed-loop load: <c>concurrency</c> workers each post the same body again and again until the
/// duration is over; latency per request into an HdrHistogram.
/// </summary>
internal static class Load
{
    /// <summary>
    /// Warms up, then measures for <paramref name="duration"/>; when <paramref name="cpu"/> is given,
    /// the CPU time its processes spent in the measured part goes into the result.
    /// </summary>
    public static async Task<LoadResult> RunAsync(Uri target, byte[] body, int concurrency, TimeSpan duration, TimeSpan warmup, string path = "/count-white-pixels", ProcessCpu? cpu = null)
    {
        using var handler = new SocketsHttpHandler { MaxConnectionsPerServer = concurrency, PooledConnectionLifetime = TimeSpan.FromMinutes(5) };
        using var client = new HttpClient(handler) { BaseAddress = target, Timeout = TimeSpan.FromSeconds(60) };
        await LoopAsync(client, path, body, concurrency, warmup, record: false);
        var before = cpu?.Snapshot();
        var result = await LoopAsync(client, path, body, concurrency, duration, record: true);
        return cpu is null ? result : result with { Cpu = ProcessCpu.Since(before!, cpu.Snapshot()) };
    }

    private static async Task<LoadResult> LoopAsync(HttpClient client, string path, byte[] body, int concurrency, TimeSpan duration, bool record)
    {
        var histogram = new LongHistogram(TimeStamp.Minutes(1), 3);
        long ok = 0;
        long failed = 0;
        var statuses = new System.Collections.Concurrent.ConcurrentDictionary<int, int>();
        var clock = Stopwatch.StartNew();
        var workers = Enumerable.Range(0, concurrency).Select(_ => Task.Run(async () =>
        {
            var mine = new LongHistogram(TimeStamp.Minutes(1), 3);
            while (clock.Elapsed < duration)
            {
                var start = Stopwatch.GetTimestamp();
                using var response = await client.PostAsync(path, new ByteArrayContent(body));
                await response.Content.ReadAsByteArrayAsync();
                mine.RecordValue(Stopwatch.GetTimestamp() - start);
                if (response.StatusCode == HttpStatusCode.OK)
                {
                    Interlocked.Increment(ref ok);
                }
                else
                {
                    Interlocked.Increment(ref failed);
                    statuses.AddOrUpdate((int)response.StatusCode, 1, (_, n) => n + 1);
                }
            }

            return mine;
        })).ToList();
        foreach (var worker in workers)
        {
            histogram.Add(await worker);
        }

        var elapsed = clock.Elapsed;
        var ticksPerMs = Stopwatch.Frequency / 1000.0;
        var failedStatuses = statuses.IsEmpty ? string.Empty : ": " + string.Join(", ", statuses.OrderBy(s => s.Key).Select(s => $"{s.Value} x {s.Key}"));
        return record
            ? new LoadResult(ok, failed, elapsed, histogram.GetValueAtPercentile(50) / ticksPerMs, histogram.GetValueAtPercentile(99) / ticksPerMs, body.Length, failedStatuses)
            : new LoadResult(0, 0, elapsed, 0, 0, body.Length, string.Empty);
    }
}
