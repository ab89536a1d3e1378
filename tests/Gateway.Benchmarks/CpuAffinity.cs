using System.Globalization;
using System.Runtime.InteropServices;

namespace ImageGateway.Gateway.Benchmarks;

/// <summary>
/// Which CPUs processes may run on (Linux <c>sched_setaffinity</c>), to give a backend a core of
/// its own as a deployment gives it its own pod. A child process inherits the affinity of the
/// thread that starts it, so the runtime in it sees only its CPUs from the start.
/// </summary>
internal static partial class CpuAffinity
{
    private const int MaskWords = 16; // 1024 CPUs, the kernel's default cpu_set_t

    /// <summary>
    /// Runs <paramref name="start"/> with this thread on <paramref name="cpus"/>, then puts the thread
    /// back. <paramref name="start"/> must start its process before its first await (the fork
    /// happens on this thread); check the result with <see cref="Of"/>.
    /// </summary>
    public static Task<T> StartOn<T>(IReadOnlyCollection<int> cpus, Func<Task<T>> start)
    {
        var previous = Get(0);
        Set(0, cpus);
        try
        {
            return start();
        }
        finally
        {
            Set(0, previous);
        }
    }

    /// <summary>Puts every thread of this process on <paramref name="cpus"/> (threads started later inherit it).</summary>
    public static void PinThisProcess(IReadOnlyCollection<int> cpus)
    {
        // A thread may be starting while the others are moved: go round until all are where they belong.
        for (var pass = 0; pass < 10; pass++)
        {
            var moved = 0;
            foreach (var tid in Threads(Environment.ProcessId))
            {
                if (!Get(tid).SetEquals(cpus) && TrySet(tid, cpus))
                {
                    moved++;
                }
            }

            if (moved == 0)
            {
                return;
            }
        }

        throw new InvalidOperationException($"Could not move every thread of this process to CPUs {string.Join(",", cpus)}.");
    }

    /// <summary>The CPUs <paramref name="pid"/>'s main thread may run on.</summary>
    public static IReadOnlySet<int> Of(int pid) => Get(pid);

    private static IEnumerable<int> Threads(int pid) =>
        Directory.EnumerateDirectories($"/proc/{pid}/task").Select(d => int.Parse(Path.GetFileName(d), CultureInfo.InvariantCulture));

    private static HashSet<int> Get(int tid)
    {
        var mask = new ulong[MaskWords];
        if (sched_getaffinity(tid, MaskWords * sizeof(ulong), mask) != 0)
        {
            throw new InvalidOperationException($"sched_getaffinity({tid}) failed: errno {Marshal.GetLastPInvokeError()}.");
        }

        return Enumerable.Range(0, MaskWords * 64).Where(cpu => (mask[cpu / 64] & (1UL << (cpu % 64))) != 0).ToHashSet();
    }

    private static void Set(int tid, IReadOnlyCollection<int> cpus)
    {
        if (!TrySet(tid, cpus))
        {
            throw new InvalidOperationException($"sched_setaffinity({tid}, {string.Join(",", cpus)}) failed: errno {Marshal.GetLastPInvokeError()}.");
        }
    }

    private static bool TrySet(int tid, IReadOnlyCollection<int> cpus)
    {
        var mask = new ulong[MaskWords];
        foreach (var cpu in cpus)
        {
            mask[cpu / 64] |= 1UL << (cpu % 64);
        }

        return sched_setaffinity(tid, MaskWords * sizeof(ulong), mask) == 0; // fails only for a thread that has just ended
    }

    [DllImport("libc", SetLastError = true)]
    private static extern int sched_setaffinity(int pid, nint cpusetsize, ulong[] mask);

    [DllImport("libc", SetLastError = true)]
    private static extern int sched_getaffinity(int pid, nint cpusetsize, ulong[] mask);
}
