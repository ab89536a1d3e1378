using System.Diagnostics;

namespace ImageGateway.TestSupport;

/// <summary>The backend in the form it runs in production: published Native AOT by backend/publish-native.sh.</summary>
public static class NativeBackend
{
    /// <summary>Publishes (incrementally) and returns the executable, or null with the reason it cannot be made here.</summary>
    public static async Task<(string? Executable, string? WhyNot)> PublishAsync(TimeSpan timeout)
    {
        var info = new ProcessStartInfo("bash") { RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = RepoPaths.Root };
        info.ArgumentList.Add(Path.Combine(RepoPaths.Root, "backend/publish-native.sh"));
        using var process = Process.Start(info)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var cts = new CancellationTokenSource(timeout);
        try
        {
            await process.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"backend/publish-native.sh took more than {timeout}.");
        }

        var error = await stderr;
        if (process.ExitCode != 0)
        {
            return error.Contains("clang not found", StringComparison.Ordinal)
                ? (null, "clang is not installed, so the backend cannot be published Native AOT (apt-get install clang zlib1g-dev)")
                : throw new InvalidOperationException($"backend/publish-native.sh failed ({process.ExitCode}):\n{error}");
        }

        return ((await stdout).Trim().Split('\n')[^1], null);
    }
}
