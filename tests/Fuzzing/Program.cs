using System.Globalization;
using ImageGateway.Fuzzing;
using ImageGateway.TestSupport;

// The differential fuzzer's long run (docs/fuzzing.md):
//   dotnet run -c Release --project tests/Fuzzing -- --seconds 3600 --seed 1
// Options: --seconds N (default 600), --seed N (default 1), --inputs N (default unbounded),
// --findings DIR (default artifacts/fuzz-findings), --no-minimise, --http-every N (every Nth input
// also through a real backend's HTTP endpoint; default 20, 0 for none).
// Replays one input through every invariant and, when one breaks, minimises it:
//   dotnet run --project tests/Fuzzing -- --replay FILE SEED-PATH   (writes FILE.min when it fails)
if (args is ["--replay", var file, var seedName])
{
    var origin = Seed.Find(seedName) ?? throw new ArgumentException($"{seedName} is not a corpus seed.");
    var bytes = File.ReadAllBytes(file);
    using var checker = new InputChecker(new DecodeWorkerClient(), TimeSpan.FromSeconds(10));
    var result = checker.Check(bytes, origin.Format, origin.PillowIsReference);
    Console.WriteLine($"{file}: {result.Outcome}");
    foreach (var violation in result.Violations)
    {
        Console.WriteLine($"  {violation}");
        var minimised = Minimiser.Minimise(bytes, origin.Format, b => checker.Check(b, origin.Format, origin.PillowIsReference).Violations.Any(v => v.Invariant == violation.Invariant));
        File.WriteAllBytes(file + ".min", minimised);
        Console.WriteLine($"  minimised {bytes.Length} -> {minimised.Length} bytes: {file}.min");
        return 1;
    }

    return 0;
}

// The header model's verdict on the first N bytes of FILE (as a prefix of a body of FILE's length):
//   dotnet run --project tests/Fuzzing -- --read FILE N
if (args is ["--read", var readFile, var prefixLength])
{
    var body = File.ReadAllBytes(readFile);
    var n = int.Parse(prefixLength, CultureInfo.InvariantCulture);
    var read = ImageGateway.Common.Imaging.Headers.ImageHeaders.Read(body.AsSpan(0, n), n == body.Length, body.Length, ImageGateway.Common.Imaging.Headers.UploadLimits.Default);
    Console.WriteLine($"{read.Outcome} {read.Problem?.Type} {read.Detail} {read.Facts}");
    return 0;
}

var seconds = 600;
var seed = 1;
var inputs = int.MaxValue;
var findings = Path.Combine(RepoPaths.Root, "artifacts", "fuzz-findings");
var minimise = true;
var httpEvery = 20;
for (var i = 0; i < args.Length; i++)
{
    switch (args[i])
    {
        case "--seconds": seconds = int.Parse(args[++i], CultureInfo.InvariantCulture); break;
        case "--seed": seed = int.Parse(args[++i], CultureInfo.InvariantCulture); break;
        case "--inputs": inputs = int.Parse(args[++i], CultureInfo.InvariantCulture); break;
        case "--findings": findings = Path.GetFullPath(args[++i]); break;
        case "--no-minimise": minimise = false; break;
        case "--http-every": httpEvery = int.Parse(args[++i], CultureInfo.InvariantCulture); break;
        default:
            Console.Error.WriteLine($"Unknown argument {args[i]}. Use --seconds N --seed N [--inputs N] [--findings DIR] [--no-minimise] [--http-every N].");
            return 2;
    }
}

Console.WriteLine($"Differential fuzzer: seed {seed}, at most {seconds} s and {(inputs == int.MaxValue ? "any number of" : inputs.ToString(CultureInfo.InvariantCulture))} inputs; findings in {findings}");
var report = DifferentialFuzzer.Run(
    new FuzzOptions(seed, inputs, TimeSpan.FromSeconds(seconds), TimeSpan.FromSeconds(10), findings, minimise, httpEvery),
    line => Console.WriteLine(line));
Console.WriteLine(report.Summary());
return report.Findings.Count == 0 ? 0 : 1;
