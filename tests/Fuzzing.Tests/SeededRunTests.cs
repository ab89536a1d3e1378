using Xunit.Abstractions;

namespace ImageGateway.Fuzzing.Tests;

/// <summary>
/// The bounded seeded slice of the differential fuzzer that runs with every <c>dotnet test</c>: the
/// same inputs every time (seed 20261130), bounded by an input count and a wall time so that a shared,
/// slow machine shortens it instead of stretching CI. The long run is <c>dotnet run --project
/// tests/Fuzzing -- --seconds 3600 --seed N</c> (docs/fuzzing.md).
/// </summary>
public sealed class SeededRunTests(ITestOutputHelper output)
{
    /// <summary>The run's seed: input i is made from (seed, i) alone.</summary>
    public const int Seed = 20261130;

    /// <summary>About two minutes of inputs on a quiet machine (measured: 300-650 inputs/s here).</summary>
    private const int MaxInputs = 40_000;

    private static readonly TimeSpan MaxTime = TimeSpan.FromSeconds(90);

    [Fact]
    public void SeededRun_CorpusMutants_BreakNoInvariant()
    {
        var report = DifferentialFuzzer.Run(
            new FuzzOptions(Seed, MaxInputs, MaxTime, Deadline: TimeSpan.FromSeconds(10), FindingsFolder: null, Minimise: false, HttpEvery: 25),
            output.WriteLine);
        output.WriteLine(report.Summary());

        // A run the machine starved to a handful of inputs proves nothing: fail rather than pass empty.
        Assert.True(report.Inputs >= 2_000, $"Only {report.Inputs} inputs in {report.Elapsed}: the machine was too slow for the seeded run to mean anything.");
        Assert.True(report.PillowCompared > 0, "No mutant was compared with Pillow.");
        Assert.True(report.Posted > 0, "No mutant went through the backend's HTTP endpoint.");
        Assert.True(report.Findings.Count == 0, report.Summary());
    }
}
