using HdrHistogram;
using ImageGateway.LoadRunner.Classification;

namespace ImageGateway.LoadRunner.Statistics;

/// <summary>
/// Everything counted during the measured phases: requests sent, the outcome and status label of each
/// answer, latency histograms (HdrHistogram, microseconds) overall, for legit traffic and per outcome,
/// and one bucket per second for the time series. Thread-safe; recording takes one short lock.
/// </summary>
public sealed class RunStatistics
{
    /// <summary>Latencies are recorded in microseconds up to ten minutes, three significant digits.</summary>
    private const long HighestMicroseconds = 10L * 60 * 1_000_000;

    /// <summary>How many distinct failing payloads are named in the report.</summary>
    private const int MaxFailureExamples = 20;

    private readonly Lock _lock = new();
    private readonly long[] _outcomes = new long[OutcomeFacts.All.Count];
    private readonly Dictionary<string, long> _labels = new(StringComparer.Ordinal);
    private readonly Dictionary<string, long[]> _kinds = new(StringComparer.Ordinal);
    private readonly LongHistogram _all = NewHistogram();
    private readonly LongHistogram _legit = NewHistogram();
    private readonly Dictionary<Outcome, LongHistogram> _byOutcome = [];
    private readonly List<SecondBucket> _seconds = [];
    private readonly SortedSet<string> _failureExamples = new(StringComparer.Ordinal);
    private long _sent;

    /// <summary>Requests handed to the sender in measured phases.</summary>
    public long Sent => Interlocked.Read(ref _sent);

    public void RecordSent() => Interlocked.Increment(ref _sent);

    /// <summary>Records one answered request, <paramref name="at"/> after the measured run began.</summary>
    public void RecordCompleted(string kind, string name, bool legit, Classification.Classification result, TimeSpan latency, TimeSpan at)
    {
        var micros = Math.Clamp((long)(latency.Ticks / 10.0), 1, HighestMicroseconds);
        var second = Math.Max(0, (int)at.TotalSeconds);
        lock (_lock)
        {
            _outcomes[(int)result.Outcome]++;
            if (result.Outcome.IsFailure() && _failureExamples.Count < MaxFailureExamples)
            {
                _failureExamples.Add($"{result.Outcome.Name()}: {kind} {name} -> {result.Label}");
            }

            _labels[result.Label] = _labels.GetValueOrDefault(result.Label) + 1;
            if (!_kinds.TryGetValue(kind, out var perKind))
            {
                _kinds[kind] = perKind = new long[_outcomes.Length];
            }

            perKind[(int)result.Outcome]++;
            _all.RecordValue(micros);
            if (legit)
            {
                _legit.RecordValue(micros);
            }

            if (!_byOutcome.TryGetValue(result.Outcome, out var histogram))
            {
                _byOutcome[result.Outcome] = histogram = NewHistogram();
            }

            histogram.RecordValue(micros);
            while (_seconds.Count <= second)
            {
                _seconds.Add(new SecondBucket(_seconds.Count));
            }

            _seconds[second].Record(result.Outcome, micros);
        }
    }

    /// <summary>Cheap running totals for live progress: no percentiles except the last full second's.</summary>
    public ProgressSnapshot Progress()
    {
        lock (_lock)
        {
            var failures = OutcomeFacts.All.Where(o => o.IsFailure()).Sum(o => _outcomes[(int)o]);
            return new ProgressSnapshot(
                Sent,
                _outcomes.Sum(),
                failures,
                _outcomes[(int)Outcome.Shed],
                _outcomes[(int)Outcome.Rejected],
                _seconds.Count > 1 ? _seconds[^2].Summarize() : null);
        }
    }

    /// <summary>A consistent copy of the counts and percentiles, for reports and verdicts.</summary>
    public StatisticsSnapshot Snapshot()
    {
        lock (_lock)
        {
            var outcomes = OutcomeFacts.All.ToDictionary(o => o, o => _outcomes[(int)o]);
            return new StatisticsSnapshot(
                Sent,
                outcomes,
                new SortedDictionary<string, long>(_labels, StringComparer.Ordinal),
                _kinds.OrderBy(k => k.Key, StringComparer.Ordinal)
                    .ToDictionary(k => k.Key, k => OutcomeFacts.All.Where(o => k.Value[(int)o] > 0).ToDictionary(o => o, o => k.Value[(int)o])),
                LatencySummary.From(_all),
                LatencySummary.From(_legit),
                _byOutcome.OrderBy(b => b.Key).ToDictionary(b => b.Key, b => LatencySummary.From(b.Value)),
                _seconds.Select(s => s.Summarize()).ToList(),
                [.. _failureExamples]);
        }
    }

    internal static LongHistogram NewHistogram(int significantDigits = 3) => new(HighestMicroseconds, significantDigits);

    private sealed class SecondBucket(int second)
    {
        private readonly long[] _outcomes = new long[OutcomeFacts.All.Count];
        // 32-bit counts and 2 significant digits: a 30-minute soak keeps 1,800 of these.
        private readonly IntHistogram _latency = new(HighestMicroseconds, 2);

        public void Record(Outcome outcome, long micros)
        {
            _outcomes[(int)outcome]++;
            _latency.RecordValue(micros);
        }

        public SecondSummary Summarize() => new(
            second,
            _outcomes.Sum(),
            OutcomeFacts.All.Where(o => o.IsFailure()).Sum(o => _outcomes[(int)o]),
            _outcomes[(int)Outcome.Shed],
            _outcomes[(int)Outcome.Rejected],
            LatencySummary.From(_latency));
    }
}

/// <summary>Latency percentiles in milliseconds; all zero when nothing was recorded.</summary>
public sealed record LatencySummary(long Count, double Mean, double P50, double P90, double P99, double P999, double Max)
{
    public static LatencySummary From(HistogramBase histogram)
    {
        if (histogram.TotalCount == 0)
        {
            return new LatencySummary(0, 0, 0, 0, 0, 0, 0);
        }

        static double Ms(double micros) => Math.Round(micros / 1000.0, 3);
        return new LatencySummary(
            histogram.TotalCount,
            Ms(histogram.GetMean()),
            Ms(histogram.GetValueAtPercentile(50)),
            Ms(histogram.GetValueAtPercentile(90)),
            Ms(histogram.GetValueAtPercentile(99)),
            Ms(histogram.GetValueAtPercentile(99.9)),
            Ms(histogram.GetMaxValue()));
    }
}

/// <summary>Running totals shown while a run goes on.</summary>
public sealed record ProgressSnapshot(long Sent, long Completed, long Failures, long Shed, long Rejected, SecondSummary? LastSecond);

/// <summary>One second of the measured run, by completion time.</summary>
public sealed record SecondSummary(int Second, long Completed, long Failures, long Shed, long Rejected, LatencySummary Latency);

/// <summary>
/// The counted totals. <see cref="Lost"/> is what was sent but never classified: it must be zero.
/// </summary>
public sealed record StatisticsSnapshot(
    long Sent,
    IReadOnlyDictionary<Outcome, long> Outcomes,
    IReadOnlyDictionary<string, long> StatusMix,
    IReadOnlyDictionary<string, Dictionary<Outcome, long>> ByKind,
    LatencySummary Latency,
    LatencySummary LegitLatency,
    IReadOnlyDictionary<Outcome, LatencySummary> LatencyByOutcome,
    IReadOnlyList<SecondSummary> Seconds,
    IReadOnlyList<string> FailureExamples)
{
    public long Completed => Outcomes.Values.Sum();

    public long Lost => Sent - Completed;

    public long Failures => Outcomes.Where(o => o.Key.IsFailure()).Sum(o => o.Value);

    public double ErrorRate => Completed == 0 ? 0 : (double)Failures / Completed;

    public long Count(Outcome outcome) => Outcomes.GetValueOrDefault(outcome);

    /// <summary>Answers with a 5xx status, 503 included.</summary>
    public long ServerStatuses => Outcomes.Where(o => o.Key.IsServerStatus()).Sum(o => o.Value);
}
