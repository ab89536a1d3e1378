namespace ImageGateway.TestSupport;

/// <summary>The backend in the form it runs in production: published Native AOT by backend/publish-native.sh.</summary>
public static class NativeBackend
{
    /// <summary>Publishes (incrementally) and returns the executable, or null with the reason it cannot be made here.</summary>
    public static async Task<(string? Executable, string? WhyNot)> PublishAsync(TimeSpan timeout)
    {
        var publish = await ProcessRun.RunAsync("bash", [Path.Combine(RepoPaths.Root, "backend/publish-native.sh")], timeout, RepoPaths.Root);
        if (publish.ExitCode != 0)
        {
            return publish.StandardError.Contains("clang not found", StringComparison.Ordinal)
                ? (null, "clang is not installed, so the backend cannot be published Native AOT (apt-get install clang zlib1g-dev)")
                : throw new InvalidOperationException($"backend/publish-native.sh failed ({publish.ExitCode}):\n{publish.StandardError}");
        }

        return (publish.StandardOutput.Trim().Split('\n')[^1], null);
    }
}
