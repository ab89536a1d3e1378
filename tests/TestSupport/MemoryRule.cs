using System.Globalization;

namespace ImageGateway.TestSupport;

/// <summary>
/// The memory tie as <c>deploy/lib/memory.sh</c> states it, executed rather than restated, so the
/// tests follow the script when its constants change.
/// </summary>
public static class MemoryRule
{
    /// <summary>The <c>DOTNET_GCHeapHardLimit</c> value memory.sh derives for a limit of <paramref name="limitBytes"/>.</summary>
    public static string GcHeapHardLimitHex(long limitBytes)
    {
        var (script, bash) = Source("gc_heap_hard_limit_hex \"$1\"", limitBytes.ToString(CultureInfo.InvariantCulture));
        var output = bash.StandardOutput.Trim();
        // Hexadecimal digits without 0x: the Native AOT runtime ignores a prefixed value.
        if (bash.ExitCode != 0 || output.Length == 0 || !output.All(Uri.IsHexDigit))
        {
            throw new InvalidOperationException($"{script} gave '{output}' ({bash.StandardError}).");
        }

        return output;
    }

    /// <summary>
    /// Every variable memory.sh gives a backend in a container of <paramref name="limitBytes"/> with
    /// <paramref name="cpus"/> cores (default: this machine's): the server's and the workers' heap
    /// limits, the worker count and the decode budget.
    /// </summary>
    public static IReadOnlyDictionary<string, string> BackendEnvironment(long limitBytes, int? cpus = null)
    {
        var (script, bash) = Source("backend_environment \"$1\" \"$2\"", limitBytes.ToString(CultureInfo.InvariantCulture), cpus?.ToString(CultureInfo.InvariantCulture) ?? string.Empty);
        var lines = bash.StandardOutput.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        if (bash.ExitCode != 0 || lines.Length == 0 || lines.Any(l => !l.Contains('=', StringComparison.Ordinal)))
        {
            throw new InvalidOperationException($"{script} backend_environment gave '{string.Join(' ', lines)}' ({bash.StandardError}).");
        }

        return lines.Select(l => l.Split('=', 2)).ToDictionary(p => p[0], p => p[1]);
    }

    /// <summary>Runs one function of deploy/lib/memory.sh with <paramref name="arguments"/> as $1, $2...</summary>
    private static (string Script, ProcessResult Bash) Source(string call, params string[] arguments)
    {
        var script = Path.Combine(RepoPaths.Root, "deploy", "lib", "memory.sh");
        return (script, ProcessRun.Run("bash", ["-c", $"source \"$0\" && {call}", script, .. arguments], TimeSpan.FromSeconds(10)));
    }

    /// <summary>Docker's memory units (<c>50m</c>: b, k, m, g, all powers of 1024).</summary>
    public static long DockerBytes(string value) => Scaled(value, new()
    {
        ["b"] = 1, ["k"] = 1L << 10, ["m"] = 1L << 20, ["g"] = 1L << 30,
    });

    /// <summary>A Kubernetes memory quantity (<c>50Mi</c>, <c>64M</c>, <c>1Gi</c>, plain bytes).</summary>
    public static long KubernetesBytes(string value) => Scaled(value, new()
    {
        ["Ki"] = 1L << 10, ["Mi"] = 1L << 20, ["Gi"] = 1L << 30,
        ["k"] = 1000, ["M"] = 1_000_000, ["G"] = 1_000_000_000,
    });

    private static long Scaled(string value, Dictionary<string, long> units)
    {
        foreach (var (suffix, factor) in units.OrderByDescending(u => u.Key.Length))
        {
            if (value.EndsWith(suffix, StringComparison.Ordinal))
            {
                return long.Parse(value[..^suffix.Length], CultureInfo.InvariantCulture) * factor;
            }
        }

        return long.Parse(value, CultureInfo.InvariantCulture);
    }
}
