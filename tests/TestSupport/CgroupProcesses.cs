using System.Globalization;

namespace ImageGateway.TestSupport;

/// <summary>
/// The processes of a cgroup (the backend's server and its decode workers) as <c>/proc</c> sees them:
/// their CPU time (to show an idle backend burns none) and their private memory.
/// </summary>
public static class CgroupProcesses
{
    /// <summary>USER_HZ: 100 on every Linux ABI .NET runs on.</summary>
    private const double SecondsPerTick = 1.0 / 100;

    /// <summary>The pids in the group now.</summary>
    public static IReadOnlyList<int> Pids(string cgroupPath) =>
        [.. File.ReadAllLines(Path.Combine(cgroupPath, "cgroup.procs")).Where(l => l.Length > 0).Select(l => int.Parse(l, CultureInfo.InvariantCulture))];

    /// <summary>CPU time (user + system, all threads) of <paramref name="pid"/> so far, or null when it is gone.</summary>
    public static TimeSpan? Cpu(int pid)
    {
        try
        {
            // The command name (field 2) is in parentheses and may hold spaces: count fields after its ')'.
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
            var ticks = long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture);
            return TimeSpan.FromSeconds(ticks * SecondsPerTick);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    /// <summary>CPU time every process of the group spent over <paramref name="window"/>, by pid.</summary>
    public static async Task<IReadOnlyDictionary<int, TimeSpan>> CpuOverAsync(string cgroupPath, TimeSpan window)
    {
        var before = Pids(cgroupPath).ToDictionary(p => p, p => Cpu(p) ?? TimeSpan.Zero);
        await Task.Delay(window);
        return Pids(cgroupPath).ToDictionary(p => p, p => (Cpu(p) ?? TimeSpan.Zero) - before.GetValueOrDefault(p));
    }

    /// <summary>A line per process: pid, command, private (anonymous) and file-backed resident memory.</summary>
    public static string Describe(string cgroupPath) => string.Join('\n', Pids(cgroupPath).Select(Describe));

    /// <summary>Private (anonymous) resident memory of <paramref name="pid"/>, in bytes, or null when it is gone.</summary>
    public static long? PrivateBytes(int pid) => Status(pid, "RssAnon");

    private static string Describe(int pid)
    {
        string command;
        try
        {
            command = File.ReadAllText($"/proc/{pid}/cmdline").Replace('\0', ' ').Trim();
        }
        catch (IOException)
        {
            return $"{pid} (gone)";
        }

        var worker = command.Contains("--decode-worker", StringComparison.Ordinal) ? "worker" : "server";
        return string.Create(CultureInfo.InvariantCulture,
            $"{pid} {worker}: private {Status(pid, "RssAnon") / 1048576.0:0.0} MiB, file {Status(pid, "RssFile") / 1048576.0:0.0} MiB, peak rss {Status(pid, "VmHWM") / 1048576.0:0.0} MiB");
    }

    private static long? Status(int pid, string key)
    {
        try
        {
            foreach (var line in File.ReadLines($"/proc/{pid}/status"))
            {
                if (line.StartsWith(key + ":", StringComparison.Ordinal))
                {
                    return long.Parse(line[(key.Length + 1)..].Trim().Split(' ')[0], CultureInfo.InvariantCulture) * 1024;
                }
            }
        }
        catch (IOException)
        {
            // Gone.
        }

        return null;
    }
}
