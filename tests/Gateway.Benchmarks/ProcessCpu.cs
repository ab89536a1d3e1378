using System.Globalization;

namespace ImageGateway.Gateway.Benchmarks;

/// <summary>
/// CPU time (user + system, all threads) of a set of named processes, from <c>/proc/PID/stat</c>:
/// what each side of a run spent, to divide by the requests it served.
/// </summary>
internal sealed class ProcessCpu(IReadOnlyDictionary<string, int> processes)
{
    private static readonly double SecondsPerTick = 1.0 / 100; // USER_HZ, 100 on every Linux ABI .NET runs on

    public IReadOnlyDictionary<string, int> Processes => processes;

    /// <summary>CPU time of every process so far.</summary>
    public IReadOnlyDictionary<string, TimeSpan> Snapshot() =>
        processes.ToDictionary(p => p.Key, p => Read(p.Value));

    /// <summary>CPU time each process spent between two snapshots.</summary>
    public static IReadOnlyDictionary<string, TimeSpan> Since(IReadOnlyDictionary<string, TimeSpan> before, IReadOnlyDictionary<string, TimeSpan> after) =>
        after.ToDictionary(p => p.Key, p => p.Value - before[p.Key]);

    private static TimeSpan Read(int pid)
    {
        // The command name (field 2) is in parentheses and may hold spaces: count fields after its ')'.
        var stat = File.ReadAllText($"/proc/{pid}/stat");
        var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        var ticks = long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture); // utime, stime: fields 14 and 15
        return TimeSpan.FromSeconds(ticks * SecondsPerTick);
    }
}
