using System.Diagnostics;

namespace ImageGateway.TestSupport;

/// <summary>The one rule that ties a backend's GC heap to its container limit, read from deploy/lib/memory.sh itself.</summary>
public static class MemoryRule
{
    /// <summary>The <c>DOTNET_GCHeapHardLimit</c> value for a container of <paramref name="limitBytes"/>.</summary>
    public static string HeapHardLimitHex(long limitBytes)
    {
        var info = new ProcessStartInfo("bash") { RedirectStandardOutput = true };
        info.ArgumentList.Add("-c");
        info.ArgumentList.Add($"source '{Path.Combine(RepoPaths.Root, "deploy/lib/memory.sh")}' && gc_heap_hard_limit_hex {limitBytes}");
        using var bash = Process.Start(info) ?? throw new InvalidOperationException("Could not start bash.");
        var hex = bash.StandardOutput.ReadToEnd().Trim();
        if (!bash.WaitForExit(10_000) || bash.ExitCode != 0 || hex.Length == 0)
        {
            throw new InvalidOperationException($"deploy/lib/memory.sh gave no heap limit for {limitBytes} bytes.");
        }

        return hex;
    }
}
