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
    string CommandLine);
