using ImageGateway.TestSupport;

namespace ImageGateway.Fuzzing.Tests;

/// <summary>
/// Every input the fuzzer found that broke an invariant (<c>tests/fuzz-regressions/*.bin</c>, each
/// with a <c>.txt</c> naming its seed, the invariant and what was done about it), replayed through all
/// the invariants: each must now hold.
/// </summary>
public sealed class RegressionTests : IDisposable
{
    private readonly InputChecker _checker = new(new DecodeWorkerClient(), TimeSpan.FromSeconds(10));

    public static TheoryData<string> Inputs()
    {
        var data = new TheoryData<string>();
        foreach (var file in Directory.GetFiles(Folder, "*.bin").Order(StringComparer.Ordinal))
        {
            data.Add(Path.GetFileNameWithoutExtension(file));
        }

        return data;
    }

    private static string Folder => Path.Combine(RepoPaths.Root, "tests", "fuzz-regressions");

    [Theory]
    [MemberData(nameof(Inputs))]
    public void Regression_FoundInput_BreaksNoInvariant(string name)
    {
        var description = File.ReadAllLines(Path.Combine(Folder, name + ".txt"));
        var seedName = description.Single(l => l.StartsWith("seed: ", StringComparison.Ordinal))["seed: ".Length..];
        var seed = Seed.Find(seedName) ?? throw new InvalidOperationException($"{name}: seed {seedName} is not in the corpus.");
        var input = File.ReadAllBytes(Path.Combine(Folder, name + ".bin"));

        var result = _checker.Check(input, seed.Format, seed.PillowIsReference);

        Assert.True(result.Violations.Count == 0, $"{name} ({result.Outcome}): {string.Join("; ", result.Violations)}");
        var refused = result.Backend.Outcome == Common.Imaging.Headers.HeaderOutcome.Refused || result.Decode is { Outcome: DecodeOutcome.Refused, Status: >= 400 and < 500 };
        var counted = result.Decode is { Outcome: DecodeOutcome.Counted };
        var expected = description.Single(l => l.StartsWith("expect: ", StringComparison.Ordinal))["expect: ".Length..];
        Assert.True(expected == "refused" ? refused : counted, $"{name}: expected {expected}, got {result.Outcome}");
    }

    public void Dispose() => _checker.Dispose();
}
