using System.Text.RegularExpressions;
using ImageGateway.LoadRunner.Scenarios;
using ImageGateway.LoadRunner.Verdicts;

namespace ImageGateway.LoadRunner.Cli;

/// <summary>Everything one run needs, validated from the command line by <see cref="RunCommand"/>.</summary>
public sealed record RunOptions(
    Uri Target,
    ScenarioSettings Scenario,
    TimeSpan Timeout,
    int MaxInFlight,
    string? Corpus,
    int OversizeBytes,
    int Seed,
    string ReportFolder,
    IReadOnlyList<string> MetricsUrls,
    IReadOnlyList<string> Cgroups,
    TimeSpan SampleInterval,
    Regex MetricFilter,
    Thresholds Thresholds,
    bool Live,
    string CommandLine)
{
    /// <summary>Closed model: a user answered with <c>Retry-After</c> waits that long before its next request (<c>--retry-after honour</c>, the default); <c>ignore</c> models impatient clients.</summary>
    public bool HonourRetryAfter { get; init; } = true;

    /// <summary>overload: the client counts stepped through (<c>--steps</c>).</summary>
    public IReadOnlyList<int> Steps { get; init; } = [2, 4, 8, 16, 32, 64, 128];

    /// <summary>overload: how long each step runs (<c>--step-duration</c>).</summary>
    public TimeSpan StepDuration { get; init; } = TimeSpan.FromSeconds(8);

    /// <summary>Image files sent instead of the generated mix (<c>--image</c>, repeatable); their counts come from ImageSharp's own decode.</summary>
    public IReadOnlyList<string> Images { get; init; } = [];
}
