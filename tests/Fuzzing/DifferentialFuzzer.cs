using System.Diagnostics;
using System.Globalization;
using System.Text;

namespace ImageGateway.Fuzzing;

/// <summary>How long and from which seed a run goes.</summary>
/// <param name="Seed">The run's seed: input <c>i</c> is made from <c>(Seed, i)</c> alone.</param>
/// <param name="MaxInputs">Stop after this many inputs.</param>
/// <param name="MaxTime">Stop after this long (whichever comes first).</param>
/// <param name="Deadline">How long one decode may take.</param>
/// <param name="FindingsFolder">Where each finding's input and description are written (null: nowhere).</param>
/// <param name="Minimise">Minimise each new finding before writing it.</param>
/// <param name="HttpEvery">Every this many inputs, one also goes through a real backend's HTTP endpoint (<see cref="BackendShare"/>); 0 for none.</param>
internal sealed record FuzzOptions(int Seed, int MaxInputs, TimeSpan MaxTime, TimeSpan Deadline, string? FindingsFolder = null, bool Minimise = true, int HttpEvery = 0);

/// <summary>One input that broke an invariant.</summary>
internal sealed record Finding(Violation Violation, int Index, Seed Seed, string Mutation, byte[] Input, byte[] Minimised);

/// <summary>What a run did.</summary>
internal sealed record FuzzReport(int Inputs, TimeSpan Elapsed, IReadOnlyList<Finding> Findings, IReadOnlyDictionary<string, int> Outcomes, int PillowCompared, int ChildStarts, int Posted)
{
    /// <summary>Known limits met, by name (<see cref="InputChecker.LossyCountDiffers"/>).</summary>
    public IReadOnlyDictionary<string, int> Notes { get; init; } = new Dictionary<string, int>();

    public double InputsPerSecond => Inputs / Math.Max(Elapsed.TotalSeconds, 0.001);

    public string Summary()
    {
        var text = new StringBuilder();
        text.AppendLine(CultureInfo.InvariantCulture, $"{Inputs} inputs in {Elapsed.TotalSeconds:0.0} s ({InputsPerSecond:0.0} inputs/s), {PillowCompared} compared with Pillow, {Posted} posted to a backend, decode worker started {ChildStarts} times");
        text.AppendLine("Invariants checked on every input:");
        foreach (var (name, rule) in Invariants.All)
        {
            text.AppendLine(CultureInfo.InvariantCulture, $"  {name}: {rule}");
        }

        text.AppendLine("Answers:");
        foreach (var (outcome, count) in Outcomes.OrderByDescending(o => o.Value))
        {
            text.AppendLine(CultureInfo.InvariantCulture, $"  {count,7} {outcome}");
        }

        foreach (var (note, count) in Notes)
        {
            text.AppendLine(CultureInfo.InvariantCulture, $"Known limit met (not a finding): {note} x{count}");
        }

        text.AppendLine(CultureInfo.InvariantCulture, $"Findings: {Findings.Count}");
        foreach (var finding in Findings)
        {
            text.AppendLine(CultureInfo.InvariantCulture, $"  #{finding.Index} {finding.Seed.Name} [{finding.Mutation}] ({finding.Input.Length} bytes, minimised {finding.Minimised.Length}): {finding.Violation}");
        }

        return text.ToString();
    }
}

/// <summary>
/// The differential fuzzer's loop: input <c>i</c> is a mutant of a seed chosen by a
/// <see cref="Random"/> seeded from (run seed, i), checked by <see cref="InputChecker"/>. Bounded by
/// an input count and a wall time. Each invariant is reported a few times per format at most (the
/// same defect otherwise floods the report); every finding is minimised and written out.
/// </summary>
internal static class DifferentialFuzzer
{
    private const int FindingsPerClass = 3;

    /// <summary>The input <paramref name="index"/> of the run seeded <paramref name="seed"/>.</summary>
    public static (Seed Seed, byte[] Input, string Mutation) Input(IReadOnlyList<Seed> seeds, int seed, int index)
    {
        var random = new Random(Mix(seed, index));
        var formats = seeds.Select(s => s.Format).Distinct().Order(StringComparer.Ordinal).ToList();
        var format = formats[random.Next(formats.Count)];
        var ofFormat = seeds.Where(s => s.Format == format).ToList();
        var origin = ofFormat[random.Next(ofFormat.Count)];
        var (input, mutation) = Mutator.Mutate(random, origin, ofFormat);
        return (origin, input, mutation);
    }

    public static FuzzReport Run(FuzzOptions options, Action<string> log)
    {
        ArgumentNullException.ThrowIfNull(options);
        var seeds = Seed.LoadCorpus();
        var findings = new List<Finding>();
        var classes = new Dictionary<string, int>();
        var outcomes = new Dictionary<string, int>();
        var notes = new Dictionary<string, int>();
        var pillowCompared = 0;
        var clock = Stopwatch.StartNew();
        var lastLog = TimeSpan.Zero;
        using var child = new DecodeWorkerClient();
        using var checker = new InputChecker(child, options.Deadline);
        using var backend = options.HttpEvery > 0 ? BackendShare.Start() : null;
        var index = 0;
        for (; index < options.MaxInputs && clock.Elapsed < options.MaxTime; index++)
        {
            var (origin, input, mutation) = Input(seeds, options.Seed, index);
            var result = checker.Check(input, origin.Format, origin.PillowIsReference);
            if (backend is not null && index % options.HttpEvery == 0 && backend.Check(input) is { } http)
            {
                result = result with { Violations = [.. result.Violations, new Violation(Invariants.DefiniteAnswer, "HTTP: " + http)] };
            }

            outcomes[result.Outcome] = outcomes.GetValueOrDefault(result.Outcome) + 1;
            pillowCompared += result.Pillow is { Refused: false } ? 1 : 0;
            foreach (var note in result.Notes)
            {
                notes[note.Invariant] = notes.GetValueOrDefault(note.Invariant) + 1;
                if (notes[note.Invariant] <= FindingsPerClass)
                {
                    log($"note #{index} {origin.Name} [{mutation}]: {note}");
                }
            }

            foreach (var violation in result.Violations.DistinctBy(v => v.Invariant))
            {
                var key = $"{violation.Invariant} {origin.Format}";
                classes[key] = classes.GetValueOrDefault(key) + 1;
                if (classes[key] > FindingsPerClass)
                {
                    continue;
                }

                log($"#{index} {origin.Name} [{mutation}]: {violation}");
                var minimised = options.Minimise && !violation.Detail.StartsWith("HTTP: ", StringComparison.Ordinal)
                    ? Minimiser.Minimise(input, origin.Format, bytes => checker.Check(bytes, origin.Format, origin.PillowIsReference).Violations.Any(v => v.Invariant == violation.Invariant))
                    : input;
                var finding = new Finding(violation, index, origin, mutation, input, minimised);
                findings.Add(finding);
                Write(options, finding);
            }

            if (clock.Elapsed - lastLog > TimeSpan.FromSeconds(30))
            {
                lastLog = clock.Elapsed;
                log($"{index + 1} inputs, {clock.Elapsed.TotalSeconds:0} s, {findings.Count} findings");
            }
        }

        return new FuzzReport(index, clock.Elapsed, findings, outcomes, pillowCompared, child.Starts, backend?.Posted ?? 0) { Notes = notes };
    }

    private static void Write(FuzzOptions options, Finding finding)
    {
        if (options.FindingsFolder is not { } folder)
        {
            return;
        }

        Directory.CreateDirectory(folder);
        var name = Path.Combine(folder, $"{finding.Violation.Invariant}-{finding.Seed.Format}-s{options.Seed}-i{finding.Index}");
        File.WriteAllBytes(name + ".bin", finding.Minimised);
        File.WriteAllText(name + ".txt", Describe(finding, options.Seed));
    }

    /// <summary>The description a regression input carries beside it (the replay test reads <c>seed:</c>).</summary>
    public static string Describe(Finding finding, int runSeed) => string.Create(CultureInfo.InvariantCulture, $"""
        seed: {finding.Seed.Name}
        invariant: {finding.Violation.Invariant}
        found: run seed {runSeed}, input {finding.Index}, {DateTime.UtcNow:yyyy-MM-dd}
        mutation: {finding.Mutation}
        bytes: {finding.Input.Length}, minimised to {finding.Minimised.Length}
        violation: {finding.Violation.Detail}

        """);

    /// <summary>A 32-bit seed for input <paramref name="index"/> of run <paramref name="seed"/> (SplitMix-style mixing; no process-randomised hashing).</summary>
    private static int Mix(int seed, int index)
    {
        var z = ((ulong)(uint)seed << 32) | (uint)index;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return (int)(z ^ (z >> 31));
    }
}
