using ImageGateway.LoadRunner.Cli;
using ImageGateway.TestSupport.Load;

namespace ImageGateway.LoadRunner.Tests.Cli;

public sealed class RunCommandTests
{
    [Fact]
    public void Parse_MinimalMixed_UsesDocumentedDefaults()
    {
        var options = Build("mixed");

        Assert.Equal(new Uri("http://127.0.0.1:8080"), options.Target);
        Assert.Equal(TimeSpan.FromSeconds(30), options.Scenario.Duration);
        Assert.Equal(TimeSpan.FromSeconds(5), options.Scenario.Warmup);
        Assert.Equal(LoadModel.Closed, options.Scenario.Model);
        Assert.Equal(4, options.Scenario.VirtualUsers);
        Assert.Equal(0.2, options.Scenario.HostileRatio);
        Assert.Equal(0.01, options.Thresholds.MaxErrorRate);
        Assert.Null(options.Thresholds.MaxRecoveryRejectRate);
        Assert.Empty(options.MetricsUrls); // the target's public port serves no /metrics
    }

    [Fact]
    public void Parse_StackEnvWithManagementUrls_SamplesTheGatewayAndBackendsOnTheirManagementPorts()
    {
        var stack = Path.GetTempFileName();
        File.WriteAllLines(stack, ["GATEWAY_URL=http://127.0.0.1:9000", "GATEWAY_MANAGEMENT_URL=http://127.0.0.1:9100",
            "BACKEND_1_URL=http://127.0.0.1:9001", "BACKEND_1_MANAGEMENT_URL=http://127.0.0.1:9201", "BACKEND_1_CGROUP=/cg/b1"]);
        try
        {
            var options = Build("legit", "--stack-env", stack);

            Assert.Equal(["http://127.0.0.1:9100/metrics", "http://127.0.0.1:9201/metrics"], options.MetricsUrls);
        }
        finally
        {
            File.Delete(stack);
        }
    }

    [Fact]
    public void Parse_EveryOption_IsApplied()
    {
        var stack = Path.GetTempFileName();
        File.WriteAllLines(stack, ["GATEWAY_URL=http://127.0.0.1:9000", "GATEWAY_MANAGEMENT_URL=http://127.0.0.1:9100", "BACKEND_1_URL=http://127.0.0.1:9001",
            "BACKEND_1_MANAGEMENT_URL=http://127.0.0.1:9201", "BACKEND_1_CGROUP=/cg/b1", "BACKEND_2_URL=http://127.0.0.1:9002", "BACKEND_2_MANAGEMENT_URL=http://127.0.0.1:9202", "BACKEND_2_CGROUP="]);
        try
        {
            var options = Build(
                "spike", "--target", "http://localhost:9000", "--duration", "2m", "--warmup", "0", "--rate", "15",
                "--spike-multiplier", "8", "--spike-duration", "20s", "--timeout", "1500ms", "--max-in-flight", "64", "--seed", "7",
                "--gateway-metrics", "none", "--backend-metrics", "http://127.0.0.1:9101/metrics", "--backend-cgroup", "/cg/x",
                "--stack-env", stack, "--max-error-rate", "0.05", "--p99", "750ms", "--max-shed-rate", "0.5", "--no-oom", "--no-live",
                "--report", "/tmp/r");

            Assert.Equal(TimeSpan.FromMinutes(2), options.Scenario.Duration);
            Assert.Equal(TimeSpan.Zero, options.Scenario.Warmup);
            Assert.Equal(LoadModel.Open, options.Scenario.Model);
            Assert.Equal(15, options.Scenario.Rate);
            Assert.Equal(8, options.Scenario.SpikeMultiplier);
            Assert.Equal(TimeSpan.FromSeconds(20), options.Scenario.SpikeDuration);
            Assert.Equal(TimeSpan.FromMilliseconds(1500), options.Timeout);
            Assert.Equal(64, options.MaxInFlight);
            Assert.Equal(["http://127.0.0.1:9101/metrics", "http://127.0.0.1:9201/metrics", "http://127.0.0.1:9202/metrics"], options.MetricsUrls);
            Assert.Equal(["/cg/x", "/cg/b1"], options.Cgroups);
            Assert.Equal(0.05, options.Thresholds.MaxErrorRate);
            Assert.Equal(TimeSpan.FromMilliseconds(750), options.Thresholds.MaxP99);
            Assert.Equal(0.5, options.Thresholds.MaxShedRate);
            Assert.True(options.Thresholds.NoOom);
            Assert.Equal(0.01, options.Thresholds.MaxRecoveryRejectRate);
            Assert.False(options.Live);
            Assert.Equal("/tmp/r", options.ReportFolder);
        }
        finally
        {
            File.Delete(stack);
        }
    }

    [Theory]
    [InlineData("--target", "http://10.0.0.5:8080")]
    [InlineData("--target", "http://example.com")]
    [InlineData("--backend-metrics", "http://192.168.1.2/metrics")]
    public void Parse_NonLoopbackAddress_IsRefused(string option, string url) =>
        Assert.Contains("loopback", Error("legit", option, url), StringComparison.Ordinal);

    [Theory]
    [InlineData("--hostile-ratio", "1.5")]
    [InlineData("--vus", "0")]
    [InlineData("--rate", "0")]
    [InlineData("--duration", "0s")]
    [InlineData("--max-error-rate", "2")]
    public void Parse_OutOfRangeValue_IsRefused(string option, string value) =>
        Assert.Contains(option, Error("legit", option, value), StringComparison.Ordinal);

    [Theory]
    [InlineData("--duration", "soon")]
    [InlineData("scenario", "chaos")]
    [InlineData("--model", "half-open")]
    public void Parse_UnknownValue_IsAParseError(string option, string value)
    {
        var args = option == "scenario" ? new[] { value } : ["legit", option, value];

        Assert.NotEmpty(RunCommand.Create((_, _) => Task.FromResult(0)).Parse(args).Errors);
    }

    [Fact]
    public void Parse_StackEnvWithoutTarget_TargetsTheStacksGateway()
    {
        var stack = Path.GetTempFileName();
        File.WriteAllLines(stack, ["GATEWAY_URL=http://127.0.0.1:18234", "BACKEND_1_URL=http://127.0.0.1:18235"]);
        try
        {
            Assert.Equal(new Uri("http://127.0.0.1:18234"), Build("legit", "--stack-env", stack).Target);
            Assert.Equal(new Uri("http://127.0.0.1:9999"), Build("legit", "--stack-env", stack, "--target", "http://127.0.0.1:9999").Target);
        }
        finally
        {
            File.Delete(stack);
        }
    }

    [Fact]
    public void Parse_StackEnvThatDoesNotExist_IsRefused() =>
        Assert.Contains("does not exist", Error("legit", "--stack-env", "/nonexistent/stack.env"), StringComparison.Ordinal);

    [Theory]
    [InlineData("--target", "http://10.0.0.5:8080")]
    [InlineData("--backend-metrics", "http://192.168.1.2/metrics")]
    public void Parse_NonLoopbackWithOptIn_IsAccepted(string option, string url) =>
        Assert.NotNull(Build("legit", option, url, "--allow-non-loopback"));

    [Fact]
    public void Parse_Stages_BecomeRampingPhasesFromTheStartLevel()
    {
        var options = Build("legit", "--rate", "10", "--warmup", "0", "--stage", "10s:50", "-s", "20s:50", "--stage", "5s:0");
        var scenario = ImageGateway.LoadRunner.Scenarios.ScenarioCatalog.Create(options.Scenario, ImageGateway.LoadRunner.Payloads.LegitImages.Create(), []);

        Assert.Equal(LoadModel.Open, options.Scenario.Model);
        Assert.Equal(
            [("stage 1", 10.0, 10.0, 50.0), ("stage 2", 20.0, 50.0, 50.0), ("stage 3", 5.0, 50.0, 0.0)],
            scenario.Phases.Select(p => (p.Name, p.Duration.TotalSeconds, p.StartLevel, p.EndLevel)));
        Assert.Equal(TimeSpan.FromSeconds(35), scenario.MeasuredDuration);
    }

    [Fact]
    public void Parse_ClosedStages_RampUsersFromVus()
    {
        var options = Build("legit", "--vus", "2", "--stage", "10s:8");
        var scenario = ImageGateway.LoadRunner.Scenarios.ScenarioCatalog.Create(options.Scenario, ImageGateway.LoadRunner.Payloads.LegitImages.Create(), []);

        Assert.Equal([("warm-up", 2.0, 2.0), ("stage 1", 2.0, 8.0)], scenario.Phases.Select(p => (p.Name, p.StartLevel, p.EndLevel)));
        Assert.All(scenario.Phases, p => Assert.Equal(LoadModel.Closed, p.Model));
    }

    [Theory]
    [InlineData("spike", "10s:50", "does not apply")]
    [InlineData("overload", "10s:50", "does not apply")]
    [InlineData("legit", "10s", "DURATION:TARGET")]
    [InlineData("legit", "0s:5", "DURATION:TARGET")]
    [InlineData("legit", "10s:-1", "DURATION:TARGET")]
    [InlineData("legit", "10s:2.5", "whole number")]
    public void Parse_BadStage_IsRefused(string scenario, string stage, string expected) =>
        Assert.Contains(expected, Error(scenario, "--stage", stage), StringComparison.Ordinal);

    [Fact]
    public void Parse_StageAndDuration_IsRefused() =>
        Assert.Contains("give one", Error("mixed", "--stage", "10s:5", "--duration", "10s"), StringComparison.Ordinal);

    [Theory]
    [InlineData("500ms", 500)]
    [InlineData("30s", 30_000)]
    [InlineData("1.5m", 90_000)]
    [InlineData("1h", 3_600_000)]
    [InlineData("45", 45_000)]
    [InlineData("00:01:30", 90_000)]
    public void DurationParser_AcceptsDocumentedForms(string text, double milliseconds)
    {
        Assert.True(DurationParser.TryParse(text, out var duration));
        Assert.Equal(milliseconds, duration.TotalMilliseconds);
    }

    internal static RunOptions Build(params string[] args)
    {
        var parse = RunCommand.Create((_, _) => Task.FromResult(0)).Parse(args);
        Assert.Empty(parse.Errors);
        Assert.True(RunCommand.TryBuild(parse, out var options, out var error), error);
        return options!;
    }

    private static string Error(params string[] args)
    {
        var parse = RunCommand.Create((_, _) => Task.FromResult(0)).Parse(args);
        Assert.Empty(parse.Errors);
        Assert.False(RunCommand.TryBuild(parse, out _, out var error));
        return error!;
    }
}
