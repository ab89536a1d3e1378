using ImageGateway.LoadRunner.Cli;
using ImageGateway.LoadRunner.Load;

namespace ImageGateway.LoadRunner.Tests.Cli;

public sealed class RunCommandTests
{
    [Fact]
    public void Parse_MinimalMixed_UsesDocumentedDefaults()
    {
        var options = Build("--scenario", "mixed");

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
            var options = Build("--scenario", "legit", "--stack-env", stack);

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
                "--target", "http://localhost:9000", "--scenario", "spike", "--duration", "2m", "--warmup", "0", "--rate", "15",
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
        Assert.Contains("loopback", Error("--scenario", "legit", option, url), StringComparison.Ordinal);

    [Theory]
    [InlineData("--hostile-ratio", "1.5")]
    [InlineData("--vus", "0")]
    [InlineData("--rate", "0")]
    [InlineData("--duration", "0s")]
    [InlineData("--max-error-rate", "2")]
    public void Parse_OutOfRangeValue_IsRefused(string option, string value) =>
        Assert.Contains(option, Error("--scenario", "legit", option, value), StringComparison.Ordinal);

    [Theory]
    [InlineData("--duration", "soon")]
    [InlineData("--scenario", "chaos")]
    [InlineData("--model", "half-open")]
    public void Parse_UnknownValue_IsAParseError(string option, string value)
    {
        var args = option == "--scenario" ? new[] { option, value } : ["--scenario", "legit", option, value];

        Assert.NotEmpty(RunCommand.Create((_, _) => Task.FromResult(0)).Parse(args).Errors);
    }

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
