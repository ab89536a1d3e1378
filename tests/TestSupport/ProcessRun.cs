using System.Diagnostics;

namespace ImageGateway.TestSupport;

/// <summary>What a process run to its end printed, and how it exited.</summary>
public sealed record ProcessResult(int ExitCode, string StandardOutput, string StandardError)
{
    /// <summary>Standard output, then standard error.</summary>
    public string Output => StandardOutput + StandardError;
}

/// <summary>
/// Runs a program or script to its end under a timeout: the one way the tests run a short-lived process
/// (a script, a tool, a publish). Both output streams are read while it runs, so a chatty process never
/// blocks on a full pipe; past the timeout its whole process tree is killed and a
/// <see cref="TimeoutException"/> names the command. Long-lived apps are <see cref="AppProcess"/>.
/// </summary>
public static class ProcessRun
{
    /// <summary>Runs <paramref name="fileName"/> with <paramref name="arguments"/>, writing <paramref name="standardInput"/> (when given) and closing it.</summary>
    public static async Task<ProcessResult> RunAsync(
        string fileName,
        IEnumerable<string> arguments,
        TimeSpan timeout,
        string? workingDirectory = null,
        string? standardInput = null,
        IReadOnlyDictionary<string, string>? environment = null)
    {
        var info = new ProcessStartInfo(fileName)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = standardInput is not null,
            UseShellExecute = false,
            WorkingDirectory = workingDirectory ?? string.Empty,
        };
        foreach (var argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }

        foreach (var (key, value) in environment ?? new Dictionary<string, string>())
        {
            info.Environment[key] = value;
        }

        var command = $"{fileName} {string.Join(' ', info.ArgumentList)}";
        using var process = Process.Start(info) ?? throw new InvalidOperationException($"{command} did not start.");
        using var cts = new CancellationTokenSource(timeout);
        var stdout = process.StandardOutput.ReadToEndAsync(cts.Token);
        var stderr = process.StandardError.ReadToEndAsync(cts.Token);
        try
        {
            if (standardInput is not null)
            {
                await process.StandardInput.WriteAsync(standardInput.AsMemory(), cts.Token).ConfigureAwait(false);
                process.StandardInput.Close();
            }

            await process.WaitForExitAsync(cts.Token).ConfigureAwait(false);
            return new ProcessResult(process.ExitCode, await stdout.ConfigureAwait(false), await stderr.ConfigureAwait(false));
        }
        catch (OperationCanceledException) when (cts.IsCancellationRequested)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{command} did not exit within {timeout}.");
        }
    }

    /// <summary>
    /// <see cref="RunAsync"/> for synchronous callers (properties and helpers that cannot await); safe
    /// to block on, as nothing in it needs the caller's context.
    /// </summary>
    public static ProcessResult Run(string fileName, IEnumerable<string> arguments, TimeSpan timeout, string? workingDirectory = null) =>
        RunAsync(fileName, arguments, timeout, workingDirectory).GetAwaiter().GetResult();
}
