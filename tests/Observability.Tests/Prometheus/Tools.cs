using System.Diagnostics;

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
        var info = new ProcessStartInfo(Require("promtool")) { RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var arg in args)
        {
            info.ArgumentList.Add(arg);
        }

        using var process = Process.Start(info)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        await process.StandardInput.WriteAsync(stdin);
        process.StandardInput.Close();
        using var cts = new CancellationTokenSource(timeout);
        await process.WaitForExitAsync(cts.Token);
        return (process.ExitCode, (await stdout) + (await stderr));
    }
}
