namespace ImageGateway.LoadRunner.Verdicts;

/// <summary>
/// Pass/fail limits that decide the exit code. Lost requests and wrong counts always fail a run;
/// these add the rest. Defaults: at most 1% errors, no latency limit, OOM kills not checked.
/// </summary>
public sealed record Thresholds
{
    /// <summary><c>--max-error-rate</c>: failures / answered requests (shed load is not a failure).</summary>
    public double MaxErrorRate { get; init; } = 0.01;

    /// <summary><c>--p99</c>: the 99th-percentile latency of legit requests (all requests if none are legit).</summary>
    public TimeSpan? MaxP99 { get; init; }

    /// <summary><c>--max-shed-rate</c>: 503/429-with-Retry-After / answered requests; null for no limit.</summary>
    public double? MaxShedRate { get; init; }

    /// <summary><c>--no-oom</c>: fail on any OOM kill in a watched backend cgroup (and when none can be watched).</summary>
    public bool NoOom { get; init; }

    /// <summary>
    /// Spike runs: in the second half of the recovery phase, failures plus shed requests must be at most
    /// this fraction of the answers (the service is back to full service). Null when not checked.
    /// </summary>
    public double? MaxRecoveryRejectRate { get; init; }
}
