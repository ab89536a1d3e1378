using ImageGateway.LoadRunner.Payloads;
using ImageGateway.TestSupport.Load;

namespace ImageGateway.LoadRunner.Scenarios;

/// <summary>
/// The scenarios the product's promises are proved with. Each turns the run settings into phases:
/// an optional uncounted warm-up, then the measured load.
/// </summary>
public static class ScenarioCatalog
{
    public static IReadOnlyDictionary<string, string> Descriptions { get; } = new Dictionary<string, string>
    {
        ["legit"] = "ordinary images of mixed sizes and formats; every count is checked",
        ["hostile"] = "pixel floods, a frame bomb, lying headers, truncated, garbage and oversize bodies; only documented 4xx expected",
        ["mixed"] = "legit traffic under a stream of hostile inputs (--hostile-ratio)",
        ["spike"] = "open model: baseline --rate, then --spike-multiplier x for --spike-duration, then recovery; expects 503 + Retry-After, then full service",
        ["soak"] = "a long steady open-model run of the mixed workload, watching memory",
        ["overload"] = "closed model stepped up (--steps 2 ... 128 clients, --step-duration each): goodput, shed rate and latency per step, with a chart",
    };

    public static IReadOnlyList<string> Names => [.. Descriptions.Keys];

    /// <summary>Scenarios whose measured load can be given as ramping stages (<c>--stage</c>).</summary>
    public static bool AcceptsStages(string scenario) => scenario is "legit" or "hostile" or "mixed" or "soak";

    /// <summary>Default measured duration per scenario when <c>--duration</c> is not given.</summary>
    public static TimeSpan DefaultDuration(string scenario) => scenario == "soak" ? TimeSpan.FromMinutes(10) : TimeSpan.FromSeconds(30);

    /// <summary>The model a scenario runs when <c>--model</c> is not given.</summary>
    public static LoadModel DefaultModel(string scenario, bool rateGiven) =>
        scenario is "spike" or "soak" || rateGiven ? LoadModel.Open : LoadModel.Closed;

    public static Scenario Create(ScenarioSettings settings, IReadOnlyList<Payload> legit, IReadOnlyList<Payload> hostile)
    {
        var name = settings.Scenario;
        var hostileRatio = name switch
        {
            "legit" => 0,
            "hostile" => 1,
            "mixed" or "soak" or "spike" => settings.HostileRatio,
            _ => throw new ArgumentException($"Unknown scenario '{name}'; one of {string.Join(", ", Names)}.", nameof(settings)),
        };
        var mix = new PayloadMix(legit, hostile, hostileRatio);

        var phases = new List<Phase>();
        var model = name == "spike" ? LoadModel.Open : settings.Model;
        if (settings.Warmup > TimeSpan.Zero)
        {
            phases.Add(new Phase("warm-up", settings.Warmup, model, settings.Rate, settings.VirtualUsers, Counted: false));
        }

        if (name == "spike")
        {
            var spike = settings.SpikeDuration ?? settings.Duration / 3;
            var calm = (settings.Duration - spike) / 2;
            phases.Add(new Phase("baseline", calm, LoadModel.Open, settings.Rate, settings.VirtualUsers));
            phases.Add(new Phase("spike", spike, LoadModel.Open, settings.Rate * settings.SpikeMultiplier, settings.VirtualUsers));
            phases.Add(new Phase("recovery", settings.Duration - calm - spike, LoadModel.Open, settings.Rate, settings.VirtualUsers));
        }
        else if (settings.Stages is { Count: > 0 } stages)
        {
            // k6's ramping executors: each stage moves the level linearly from where the last one ended
            // (the first from --rate or --vus) to its target.
            var level = model == LoadModel.Open ? settings.Rate : settings.VirtualUsers;
            for (var i = 0; i < stages.Count; i++)
            {
                var stage = stages[i];
                phases.Add(model == LoadModel.Open
                    ? new Phase($"stage {i + 1}", stage.Duration, model, level, settings.VirtualUsers, RampTo: stage.Target)
                    : new Phase($"stage {i + 1}", stage.Duration, model, settings.Rate, (int)level, RampTo: stage.Target));
                level = stage.Target;
            }
        }
        else
        {
            phases.Add(new Phase(name == "soak" ? "soak" : "steady", settings.Duration, model, settings.Rate, settings.VirtualUsers));
        }

        return new Scenario(name, Descriptions[name], mix, phases);
    }
}

/// <summary>The run settings a scenario is built from (see <c>docs/load-testing.md</c> for each option).</summary>
public sealed record ScenarioSettings(
    string Scenario,
    TimeSpan Duration,
    TimeSpan Warmup,
    LoadModel Model,
    double Rate,
    int VirtualUsers,
    double HostileRatio,
    double SpikeMultiplier,
    TimeSpan? SpikeDuration,
    IReadOnlyList<Stage>? Stages = null);

/// <summary>One ramping stage (<c>--stage 30s:50</c>): reach <see cref="Target"/> (requests/s for the open model, users for the closed) over <see cref="Duration"/>.</summary>
public sealed record Stage(TimeSpan Duration, double Target);
