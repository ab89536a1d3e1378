using ImageGateway.TestSupport;

namespace ImageGateway.Observability.Tests.Prometheus;

/// <summary>Prometheus's programs, from Debian's <c>prometheus</c> package (.ci/run installs it).</summary>
public static class Tools
{
    /// <summary>The full path of <paramref name="name"/> on PATH; fails the test (it cannot check anything without it) when missing.</summary>
    public static string Require(string name) =>
        (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':').Select(d => Path.Combine(d, name)).FirstOrDefault(File.Exists)
        ?? throw new InvalidOperationException($"{name} is not installed: apt-get install prometheus (.ci/run does).");

    /// <summary>Runs <c>promtool</c> with <paramref name="stdin"/>; its exit code and everything it printed.</summary>
    public static async Task<(int ExitCode, string Output)> PromtoolAsync(string stdin, TimeSpan timeout, params string[] args)
    {
        var run = await ProcessRun.RunAsync(Require("promtool"), args, timeout, standardInput: stdin);
        return (run.ExitCode, run.Output);
    }
}
