using System.CommandLine.Parsing;
using System.CommandLine;
using System.Globalization;
using System.Net;
using System.Text.RegularExpressions;
using ImageGateway.LoadRunner.Payloads;
using ImageGateway.LoadRunner.Scenarios;
using ImageGateway.LoadRunner.Verdicts;
using ImageGateway.TestSupport.Load;

namespace ImageGateway.LoadRunner.Cli;

/// <summary>
/// <c>run &lt;scenario&gt;</c> (System.CommandLine 3.0); every option is documented in <c>docs/load-testing.md</c>.
/// Exit codes: 0 every check passed, 1 a check failed, 2 bad arguments or the target is not reachable.
/// </summary>
public static class RunCommand
{
    public const int ExitPassed = 0;
    public const int ExitFailed = 1;
    public const int ExitUsage = 2;

    /// <summary>The target when neither <c>--target</c> nor <c>--stack-env</c> names one.</summary>
    public const string DefaultTarget = "http://127.0.0.1:8080";

    private static readonly Argument<string> Scenario = new("scenario") { Description = $"One of: {string.Join(", ", ScenarioCatalog.Names)} ('scenarios' lists them)" };
    private static readonly Option<string?> Target = new("--target") { Description = $"Gateway base URL (default: GATEWAY_URL of --stack-env, else {DefaultTarget}); loopback unless --allow-non-loopback" };
    private static readonly Option<bool> AllowNonLoopback = new("--allow-non-loopback") { Description = "Allow a target or /metrics URL that is not 127.0.0.0/8, [::1] or localhost (load only what you own)" };
    private static readonly Option<string[]> Stages = new("--stage", "-s") { Description = "legit/hostile/mixed/soak: a ramping stage DURATION:TARGET (repeatable, in order), e.g. 30s:50; TARGET is req/s (open model) or users (closed); the first starts from --rate or --vus" };
    private static readonly Option<TimeSpan?> Duration = DurationOption("--duration", "Measured length (default 30s; soak 10m); e.g. 500ms, 30s, 5m");
    private static readonly Option<TimeSpan?> Warmup = DurationOption("--warmup", "Uncounted warm-up before measuring (default 5s)");
    private static readonly Option<string?> Model = new("--model") { Description = "closed (N users back to back) or open (constant arrival rate); default closed, open for spike/soak or when --rate is given" };
    private static readonly Option<int> Vus = new("--vus") { Description = "Closed model: virtual users", DefaultValueFactory = _ => 4 };
    private static readonly Option<double?> Rate = new("--rate") { Description = "Open model: requests per second (default 20); spike: the baseline" };
    private static readonly Option<double> HostileRatio = new("--hostile-ratio") { Description = "mixed/spike/soak: share of hostile requests", DefaultValueFactory = _ => 0.2 };
    private static readonly Option<double> SpikeMultiplier = new("--spike-multiplier") { Description = "spike: rate multiplier during the spike", DefaultValueFactory = _ => 10 };
    private static readonly Option<TimeSpan?> SpikeDuration = DurationOption("--spike-duration", "spike: length of the spike (default a third of --duration)");
    private static readonly Option<TimeSpan?> RequestTimeout = DurationOption("--timeout", "Per-request timeout; slower answers count as timeouts (default 10s)");
    private static readonly Option<int> MaxInFlight = new("--max-in-flight") { Description = "Open model: most requests outstanding at once; waiting for a slot counts as latency", DefaultValueFactory = _ => 512 };
    private static readonly Option<string?> Corpus = new("--corpus") { Description = "Also send the unambiguous images of this corpus folder (its manifest.tsv), e.g. tests/corpus" };
    private static readonly Option<int> OversizeBytes = new("--oversize-bytes") { Description = "Size of the oversize hostile body", DefaultValueFactory = _ => HostileInputs.DefaultOversizeBytes };
    private static readonly Option<int> Seed = new("--seed") { Description = "Seed of the payload choice", DefaultValueFactory = _ => 1 };
    private static readonly Option<string?> Report = new("--report") { Description = "Report folder (default loadtests/reports/<scenario>-<time>)" };
    private static readonly Option<string[]> GatewayMetrics = new("--gateway-metrics") { Description = "Gateway /metrics URL to sample, on its management port (default: from --stack-env; 'none' to skip)", AllowMultipleArgumentsPerToken = false };
    private static readonly Option<string[]> BackendMetrics = new("--backend-metrics") { Description = "A backend's /metrics URL to sample, on its management port (repeatable)" };
    private static readonly Option<string[]> BackendCgroup = new("--backend-cgroup") { Description = "A backend's memory cgroup folder to sample, v1 or v2 (repeatable)" };
    private static readonly Option<string?> StackEnv = new("--stack-env") { Description = "deploy/run-local.sh's state file (.run/stack.env): adds the gateway's and every backend's /metrics and every backend's cgroup" };
    private static readonly Option<TimeSpan?> SampleInterval = DurationOption("--sample-interval", "How often /metrics and cgroups are sampled (default 1s)");
    private static readonly Option<string> MetricsFilter = new("--metrics-filter") { Description = "Regex of /metrics names to record", DefaultValueFactory = _ => "memory|working_set|heap|inflight|in_flight|active|queue|reject|shed|oom" };
    private static readonly Option<double> MaxErrorRate = new("--max-error-rate") { Description = "Fail above this share of failed answers (0..1)", DefaultValueFactory = _ => 0.01 };
    private static readonly Option<TimeSpan?> P99 = DurationOption("--p99", "Fail when the p99 latency of legit requests is above this");
    private static readonly Option<double?> MaxShedRate = new("--max-shed-rate") { Description = "Fail above this share of 503/429 with Retry-After (default no limit)" };
    private static readonly Option<double?> MaxRecoveryRejectRate = new("--max-recovery-reject-rate") { Description = "spike: failed+shed share allowed in the second half of recovery (default 0.01)" };
    private static readonly Option<bool> NoOom = new("--no-oom") { Description = "Fail on any OOM kill in a watched cgroup (and when none can be watched)" };
    private static readonly Option<bool> NoLive = new("--no-live") { Description = "Plain progress lines instead of the live table" };
    private static readonly Option<string> RetryAfter = new("--retry-after") { Description = "Closed model: honour (wait the Retry-After of a 503/429 before the next request; default) or ignore (impatient clients)", DefaultValueFactory = _ => "honour" };
    private static readonly Option<string> Steps = new("--steps") { Description = "overload: comma-separated client counts", DefaultValueFactory = _ => "2,4,8,16,32,64,128" };
    private static readonly Option<TimeSpan?> StepDuration = DurationOption("--step-duration", "overload: length of each step (default 8s)");
    private static readonly Option<string[]> Images = new("--image") { Description = "Send this image file instead of the generated mix (repeatable); its count is ImageSharp's" };

    public static Command Create(Func<RunOptions, CancellationToken, Task<int>> run)
    {
        var root = new Command("run", "Run a scenario against the gateway: open/closed or ramping load, classified answers, thresholds and a report.");
        root.Arguments.Add(Scenario);
        foreach (var option in new Option[]
        {
            Target, AllowNonLoopback, Stages, Duration, Warmup, Model, Vus, Rate, HostileRatio, SpikeMultiplier, SpikeDuration, RequestTimeout,
            MaxInFlight, Corpus, OversizeBytes, Seed, Report, GatewayMetrics, BackendMetrics, BackendCgroup, StackEnv, SampleInterval,
            MetricsFilter, MaxErrorRate, P99, MaxShedRate, MaxRecoveryRejectRate, NoOom, NoLive, RetryAfter, Steps, StepDuration, Images,
        })
        {
            root.Options.Add(option);
        }

        Scenario.AcceptOnlyFromAmong([.. ScenarioCatalog.Names]);
        Model.AcceptOnlyFromAmong("closed", "open");
        RetryAfter.AcceptOnlyFromAmong("honour", "ignore");
        root.SetAction(async (parse, cancellationToken) =>
        {
            if (!TryBuild(parse, out var options, out var error))
            {
                await Console.Error.WriteLineAsync($"loadrunner: {error}");
                return ExitUsage;
            }

            return await run(options!, cancellationToken);
        });
        return root;
    }

    /// <summary>Checks the parsed values against each other and builds the run's options.</summary>
    public static bool TryBuild(ParseResult parse, out RunOptions? options, out string? error)
    {
        options = null;
        StackEnvironment? stack = null;
        if (parse.GetValue(StackEnv) is { } stackFile)
        {
            if (!File.Exists(stackFile))
            {
                error = $"--stack-env {stackFile} does not exist (is deploy/run-local.sh running?).";
                return false;
            }

            stack = StackEnvironment.Parse(File.ReadAllLines(stackFile));
        }

        var targetText = parse.GetValue(Target) ?? stack?.GatewayUrl ?? DefaultTarget;
        if (!Uri.TryCreate(targetText, UriKind.Absolute, out var target) || target.Scheme is not ("http" or "https"))
        {
            error = $"--target must be an absolute http(s) URL, not '{targetText}'.";
            return false;
        }

        var allowRemote = parse.GetValue(AllowNonLoopback);
        if (!allowRemote && !IsLoopback(target))
        {
            error = $"--target {target} is not a loopback address; the runner loads only 127.0.0.0/8, [::1] or localhost unless --allow-non-loopback is given.";
            return false;
        }

        var scenario = parse.GetValue(Scenario)!;
        var rate = parse.GetValue(Rate);
        var model = parse.GetValue(Model) is { } m ? Enum.Parse<LoadModel>(m, ignoreCase: true) : ScenarioCatalog.DefaultModel(scenario, rate is not null);
        var stages = new List<Stage>();
        foreach (var text in parse.GetValue(Stages) ?? [])
        {
            if (!TryParseStage(text, model, out var stage, out error))
            {
                return false;
            }

            stages.Add(stage);
        }

        if (stages.Count > 0 && !ScenarioCatalog.AcceptsStages(scenario))
        {
            error = $"--stage does not apply to {scenario}, which has its own shape; use it with legit, hostile, mixed or soak.";
            return false;
        }

        if (stages.Count > 0 && parse.GetValue(Duration) is not null)
        {
            error = "--stage and --duration both give the measured length; give one.";
            return false;
        }

        var settings = new ScenarioSettings(
            scenario,
            parse.GetValue(Duration) ?? ScenarioCatalog.DefaultDuration(scenario),
            parse.GetValue(Warmup) ?? TimeSpan.FromSeconds(5),
            model,
            rate ?? 20,
            parse.GetValue(Vus),
            parse.GetValue(HostileRatio),
            parse.GetValue(SpikeMultiplier),
            parse.GetValue(SpikeDuration),
            stages);

        error = Validate(settings, parse);
        if (error is not null)
        {
            return false;
        }

        // /metrics is served on each app's management port, never on the target's public port.
        var metrics = new List<string>();
        var gatewayMetrics = parse.GetValue(GatewayMetrics) ?? [];
        var skipGateway = gatewayMetrics.Contains("none", StringComparer.Ordinal);
        if (!skipGateway)
        {
            metrics.AddRange(gatewayMetrics);
        }

        metrics.AddRange(parse.GetValue(BackendMetrics) ?? []);
        var cgroups = new List<string>(parse.GetValue(BackendCgroup) ?? []);
        if (stack is not null)
        {
            if (!skipGateway && gatewayMetrics.Length == 0 && stack.GatewayMetricsUrl is { } gatewayUrl)
            {
                metrics.Add(gatewayUrl);
            }

            metrics.AddRange(stack.BackendMetricsUrls);
            cgroups.AddRange(stack.BackendCgroups);
        }

        if (metrics.FirstOrDefault(s => !Uri.TryCreate(s, UriKind.Absolute, out _)) is { } bad)
        {
            error = $"{bad} is not an absolute /metrics URL.";
            return false;
        }

        if (!allowRemote && metrics.FirstOrDefault(s => !IsLoopback(new Uri(s))) is { } remote)
        {
            error = $"{remote} is not a loopback address; give --allow-non-loopback to sample it.";
            return false;
        }

        var isSpike = scenario == "spike";
        options = new RunOptions(
            target,
            settings,
            parse.GetValue(RequestTimeout) ?? TimeSpan.FromSeconds(10),
            parse.GetValue(MaxInFlight),
            parse.GetValue(Corpus),
            parse.GetValue(OversizeBytes),
            parse.GetValue(Seed),
            parse.GetValue(Report) ?? DefaultReportFolder(scenario),
            metrics,
            cgroups,
            parse.GetValue(SampleInterval) ?? TimeSpan.FromSeconds(1),
            new Regex(parse.GetValue(MetricsFilter)!, RegexOptions.CultureInvariant, TimeSpan.FromSeconds(1)),
            new Thresholds
            {
                MaxErrorRate = parse.GetValue(MaxErrorRate),
                MaxP99 = parse.GetValue(P99),
                MaxShedRate = parse.GetValue(MaxShedRate),
                NoOom = parse.GetValue(NoOom),
                MaxRecoveryRejectRate = parse.GetValue(MaxRecoveryRejectRate) ?? (isSpike ? 0.01 : null),
            },
            !parse.GetValue(NoLive),
            "loadrunner " + (parse.Tokens.FirstOrDefault()?.Value == "run" ? string.Empty : "run ") + string.Join(' ', parse.Tokens.Select(t => t.Value)))
        {
            HonourRetryAfter = parse.GetValue(RetryAfter) == "honour",
            StepDuration = parse.GetValue(StepDuration) ?? TimeSpan.FromSeconds(8),
            Images = parse.GetValue(Images) ?? [],
        };
        var steps = parse.GetValue(Steps)!.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        if (steps.Length == 0 || steps.Any(n => !int.TryParse(n, System.Globalization.CultureInfo.InvariantCulture, out var v) || v is < 1 or > 4096))
        {
            error = "--steps must be comma-separated client counts of 1 to 4096, e.g. 2,8,32,128.";
            return false;
        }

        options = options with { Steps = [.. steps.Select(n => int.Parse(n, System.Globalization.CultureInfo.InvariantCulture))] };
        if (options.Images.FirstOrDefault(f => !File.Exists(f)) is { } missing)
        {
            error = $"--image {missing} does not exist.";
            return false;
        }

        return true;
    }

    /// <summary>Parses one <c>--stage DURATION:TARGET</c>; closed-model targets are whole users.</summary>
    public static bool TryParseStage(string text, LoadModel model, out Stage stage, out string? error)
    {
        stage = new Stage(TimeSpan.Zero, 0);
        var colon = text.LastIndexOf(':');
        if (colon <= 0 || !DurationParser.TryParse(text[..colon], out var duration) || duration <= TimeSpan.Zero
            || !double.TryParse(text[(colon + 1)..], NumberStyles.Float, CultureInfo.InvariantCulture, out var target) || target < 0 || !double.IsFinite(target))
        {
            error = $"--stage '{text}' is not DURATION:TARGET with a duration over 0 and a target of 0 or more, e.g. 30s:50.";
            return false;
        }

        if (model == LoadModel.Closed && (target != Math.Floor(target) || target > 4096))
        {
            error = $"--stage '{text}': a closed-model target is a whole number of users, 0 to 4096.";
            return false;
        }

        stage = new Stage(duration, target);
        error = null;
        return true;
    }

    public static bool IsLoopback(Uri uri) =>
        uri.IsLoopback || (IPAddress.TryParse(uri.DnsSafeHost, out var address) && IPAddress.IsLoopback(address));

    private static string? Validate(ScenarioSettings s, ParseResult parse) =>
        s.Duration <= TimeSpan.Zero ? "--duration must be more than 0."
        : s.Rate <= 0 ? "--rate must be more than 0."
        : s.VirtualUsers < 1 ? "--vus must be at least 1."
        : s.HostileRatio is < 0 or > 1 ? "--hostile-ratio must be between 0 and 1."
        : s.SpikeMultiplier < 1 ? "--spike-multiplier must be at least 1."
        : s.SpikeDuration is { } spike && spike >= s.Duration ? "--spike-duration must be shorter than --duration."
        : parse.GetValue(MaxInFlight) < 1 ? "--max-in-flight must be at least 1."
        : parse.GetValue(MaxErrorRate) is < 0 or > 1 ? "--max-error-rate must be between 0 and 1."
        : parse.GetValue(RequestTimeout) is { } t && t <= TimeSpan.Zero ? "--timeout must be more than 0."
        : null;

    private static string DefaultReportFolder(string scenario)
    {
        var stamp = DateTime.UtcNow.ToString("yyyyMMdd-HHmmss", CultureInfo.InvariantCulture);
        for (var dir = new DirectoryInfo(Environment.CurrentDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Gateway.sln")))
            {
                return Path.Combine(dir.FullName, "loadtests", "reports", $"{scenario}-{stamp}");
            }
        }

        return Path.Combine(Environment.CurrentDirectory, "reports", $"{scenario}-{stamp}");
    }

    private static Option<TimeSpan?> DurationOption(string name, string description) => new(name)
    {
        Description = description,
        CustomParser = result =>
        {
            var text = result.Tokens.Count > 0 ? result.Tokens[^1].Value : null;
            if (DurationParser.TryParse(text, out var duration))
            {
                return duration;
            }

            result.AddError($"{name}: '{text}' is not a duration (e.g. 500ms, 30s, 5m, 1h).");
            return null;
        },
    };
}
