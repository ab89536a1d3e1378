using System.Diagnostics;
using System.Text.RegularExpressions;
using ImageGateway.TestSupport;

namespace ImageGateway.LoadRunner.Sampling;

/// <summary>One timed value of one series: a cgroup's memory or a summed metric of one endpoint.</summary>
public sealed record ResourceSample(double Second, double Value);

/// <summary>What was seen of one watched cgroup over the run.</summary>
public sealed record CgroupWatch(string Path, long? LimitBytes, long? MaxUsageBytes, long OomKillsAtStart, long OomKillsAtEnd, IReadOnlyList<ResourceSample> UsageBytes, string? Problem)
{
    public long OomKills => OomKillsAtEnd - OomKillsAtStart;
}

/// <summary>What was seen of one <c>/metrics</c> endpoint: whether it answered, and each matching series.</summary>
public sealed record MetricsWatch(string Url, long Scrapes, long Failures, string? LastProblem, IReadOnlyDictionary<string, IReadOnlyList<ResourceSample>> Series);

/// <summary>
/// Samples the gateway's and backends' <c>/metrics</c> and the backends' memory cgroups every interval
/// while a run goes on. A missing endpoint or cgroup is recorded, never fatal.
/// </summary>
public sealed class ResourceSampler(
    IReadOnlyList<string> metricsUrls,
    IReadOnlyList<string> cgroupPaths,
    TimeSpan interval,
    Regex metricFilter) : IDisposable
{
    private readonly HttpClient _client = new(new SocketsHttpHandler { UseProxy = false }) { Timeout = TimeSpan.FromSeconds(2) };
    private readonly Dictionary<string, MetricsState> _metrics = metricsUrls.Distinct().ToDictionary(u => u, _ => new MetricsState());
    private readonly Dictionary<string, CgroupState> _cgroups = cgroupPaths.Distinct().ToDictionary(p => p, _ => new CgroupState());
    private readonly long _start = Stopwatch.GetTimestamp();

    /// <summary>The latest reading of every cgroup, for live progress.</summary>
    public IReadOnlyDictionary<string, CgroupReading?> LatestCgroups =>
        _cgroups.ToDictionary(c => c.Key, c => c.Value.Latest);

    /// <summary>Samples until <paramref name="stop"/> is cancelled, then once more.</summary>
    public async Task RunAsync(CancellationToken stop)
    {
        await SampleAsync();
        using var timer = new PeriodicTimer(interval);
        try
        {
            while (await timer.WaitForNextTickAsync(stop))
            {
                await SampleAsync();
            }
        }
        catch (OperationCanceledException)
        {
            // Run over.
        }

        await SampleAsync();
    }

    public (IReadOnlyList<CgroupWatch> Cgroups, IReadOnlyList<MetricsWatch> Metrics) Results() =>
        (_cgroups.Select(c => c.Value.ToWatch(c.Key)).ToList(),
         _metrics.Select(m => new MetricsWatch(m.Key, m.Value.Scrapes, m.Value.Failures, m.Value.LastProblem,
             m.Value.Series.ToDictionary(s => s.Key, s => (IReadOnlyList<ResourceSample>)s.Value))).ToList());

    public void Dispose() => _client.Dispose();

    private async Task SampleAsync()
    {
        var second = Stopwatch.GetElapsedTime(_start).TotalSeconds;
        foreach (var (path, state) in _cgroups)
        {
            state.Record(second, MemoryCgroup.TryRead(path));
        }

        await Task.WhenAll(_metrics.Select(m => ScrapeAsync(m.Key, m.Value, second)));
    }

    private async Task ScrapeAsync(string url, MetricsState state, double second)
    {
        try
        {
            using var response = await _client.GetAsync(url);
            if (!response.IsSuccessStatusCode)
            {
                state.Fail($"HTTP {(int)response.StatusCode}");
                return;
            }

            var values = PrometheusText.Sum(await response.Content.ReadAsStringAsync(), metricFilter);
            state.Record(second, values);
        }
        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException or IOException)
        {
            state.Fail(ex.GetType().Name + ": " + ex.Message);
        }
    }

    private sealed class MetricsState
    {
        public long Scrapes { get; private set; }

        public long Failures { get; private set; }

        public string? LastProblem { get; private set; }

        public Dictionary<string, List<ResourceSample>> Series { get; } = new(StringComparer.Ordinal);

        public void Fail(string problem)
        {
            Scrapes++;
            Failures++;
            LastProblem = problem;
        }

        public void Record(double second, Dictionary<string, double> values)
        {
            Scrapes++;
            foreach (var (name, value) in values)
            {
                if (!Series.TryGetValue(name, out var series))
                {
                    Series[name] = series = [];
                }

                series.Add(new ResourceSample(second, value));
            }
        }
    }

    private sealed class CgroupState
    {
        private readonly List<ResourceSample> _usage = [];
        private CgroupReading? _first;
        private string? _problem;

        public CgroupReading? Latest { get; private set; }

        public void Record(double second, CgroupReading? reading)
        {
            if (reading is null)
            {
                _problem = "could not be read (missing, removed or no permission)";
                return;
            }

            _first ??= reading;
            Latest = reading;
            _usage.Add(new ResourceSample(second, reading.UsageBytes));
        }

        public CgroupWatch ToWatch(string path) => new(
            path,
            Latest?.LimitBytes,
            Latest?.MaxUsageBytes ?? (_usage.Count > 0 ? (long)_usage.Max(u => u.Value) : null),
            _first?.OomKills ?? 0,
            Latest?.OomKills ?? 0,
            _usage,
            _first is null ? _problem ?? "never read" : _problem);
    }
}
