using System.Globalization;

namespace ImageGateway.TestSupport;

/// <summary>One reading of a memory cgroup.</summary>
/// <param name="MaxUsageBytes">The most charged since the group was made; null where the kernel does not say (v2 before Linux 5.19 has no <c>memory.peak</c>).</param>
/// <param name="LimitBytes">The group's own limit; null for none.</param>
public sealed record CgroupReading(long UsageBytes, long? MaxUsageBytes, long? LimitBytes, long OomKills);

/// <summary>Where a group's memory goes (<c>memory.stat</c>): anonymous (heap, stacks), page cache and mapped files, and major page faults (page-ins).</summary>
public sealed record CgroupMemoryStat(long AnonBytes, long FileBytes, long MappedFileBytes, long MajorFaults);

/// <summary>The two cgroup hierarchies: v1 (one tree per controller) and v2 (the unified tree).</summary>
public enum CgroupVersion
{
    V1 = 1,
    V2 = 2,
}

/// <summary>
/// A memory cgroup made under this process's own group, so a process started inside it is limited and
/// OOM-killed by the kernel exactly as in a container: the one cgroup helper of the tests, the load
/// runner's sampling and the cold-container tool (deploy/lib/cgroup.sh is its shell twin for the
/// launcher). cgroup v1 (the memory controller at <c>/sys/fs/cgroup/memory</c>: <c>memory.limit_in_bytes</c>,
/// <c>memory.usage_in_bytes</c>, <c>memory.max_usage_in_bytes</c>, <c>memory.oom_control</c>) and v2 (the
/// unified tree at <c>/sys/fs/cgroup</c>, Documentation/admin-guide/cgroup-v2.rst: <c>memory.max</c>,
/// <c>memory.current</c>, <c>memory.peak</c>, <c>memory.events</c>, the parent's
/// <c>cgroup.subtree_control</c> enabling <c>memory</c> for its children); both join through
/// <c>cgroup.procs</c>. Needs root (or a delegated, writable group); <see cref="TryCreate(string, long, out string?)"/>
/// says why not where that is missing.
/// </summary>
public sealed class MemoryCgroup : IDisposable
{
    /// <summary>Where the kernel's cgroup file systems are mounted.</summary>
    public const string DefaultMount = "/sys/fs/cgroup";

    private const string ProcSelfCgroup = "/proc/self/cgroup";

    /// <summary>v1 reports "no limit" as a huge page-rounded number; anything above this is unlimited.</summary>
    private const long Unlimited = 1L << 60;

    /// <summary>The file names of each version: usage, peak, limit, OOM events.</summary>
    private static readonly (string Usage, string Peak, string Limit, string Events)[] Layouts =
    [
        ("memory.usage_in_bytes", "memory.max_usage_in_bytes", "memory.limit_in_bytes", "memory.oom_control"),
        ("memory.current", "memory.peak", "memory.max", "memory.events"),
    ];

    private MemoryCgroup(string path, long limitBytes, CgroupVersion version)
    {
        Path = path;
        LimitBytes = limitBytes;
        Version = version;
    }

    /// <summary>The group's folder.</summary>
    public string Path { get; }

    public long LimitBytes { get; }

    public CgroupVersion Version { get; }

    /// <summary>The file a process writes its pid to in order to join (the same in v1 and v2).</summary>
    public string ProcsFile => System.IO.Path.Combine(Path, "cgroup.procs");

    /// <summary>The kernel's count of OOM kills in this group (v1 <c>memory.oom_control</c>, v2 <c>memory.events</c>: <c>oom_kill</c>).</summary>
    public long OomKills => Read().OomKills;

    /// <summary>Memory charged to the group now, in bytes.</summary>
    public long UsageBytes => Read().UsageBytes;

    /// <summary>The most memory charged to the group since it was made, in bytes; null where the kernel does not keep it.</summary>
    public long? MaxUsageBytes => Read().MaxUsageBytes;

    /// <summary>Creates a fresh group with <paramref name="limitBytes"/> and no swap, or explains why it cannot.</summary>
    public static MemoryCgroup? TryCreate(string name, long limitBytes, out string? whyNot) =>
        TryCreate(name, limitBytes, DefaultMount, ProcSelfCgroup, out whyNot);

    /// <summary>
    /// <see cref="TryCreate(string, long, out string?)"/> with the cgroup mount and this process's
    /// <c>/proc/self/cgroup</c> given (a test builds both as a fake tree).
    /// </summary>
    public static MemoryCgroup? TryCreate(string name, long limitBytes, string mount, string procSelfCgroup, out string? whyNot)
    {
        whyNot = Unavailability(mount, procSelfCgroup);
        if (whyNot is not null)
        {
            return null;
        }

        var (version, parent) = Parent(mount, procSelfCgroup)!.Value;
        var unique = $"{name}-{Environment.ProcessId}-{Guid.NewGuid():N}";
        var path = System.IO.Path.Combine(parent, unique[..Math.Min(60, unique.Length)]);
        var limit = limitBytes.ToString(CultureInfo.InvariantCulture);
        try
        {
            Directory.CreateDirectory(path);
            if (version == CgroupVersion.V1)
            {
                File.WriteAllText(System.IO.Path.Combine(path, "memory.limit_in_bytes"), limit);
                WriteIfPresent(path, "memory.memsw.limit_in_bytes", limit); // memory + swap: no swap
            }
            else
            {
                File.WriteAllText(System.IO.Path.Combine(path, "memory.max"), limit);
                WriteIfPresent(path, "memory.swap.max", "0");
            }

            return new MemoryCgroup(path, limitBytes, version);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            whyNot = $"cannot create a memory cgroup at {path}: {ex.Message}";
            return null;
        }
    }

    /// <summary>Null when memory cgroups can be made here, else the reason they cannot.</summary>
    public static string? Unavailability() => Unavailability(DefaultMount, ProcSelfCgroup);

    /// <summary><see cref="Unavailability()"/> with the cgroup mount and <c>/proc/self/cgroup</c> given.</summary>
    public static string? Unavailability(string mount, string procSelfCgroup)
    {
        if (!OperatingSystem.IsLinux())
        {
            return "memory cgroups need Linux";
        }

        if (Parent(mount, procSelfCgroup) is not var (version, parent))
        {
            return $"no memory cgroup controller is mounted (v1 at {System.IO.Path.Combine(mount, "memory")}, or v2 at {mount} with memory in cgroup.controllers)";
        }

        if (Environment.UserName != "root" && !string.Equals(Environment.GetEnvironmentVariable("USER"), "root", StringComparison.Ordinal) && !IsWritable(parent))
        {
            // Writes below decide for sure; this is only the cheap common case.
            return $"{parent} is not writable (run as root)";
        }

        if (version == CgroupVersion.V2 && !ReadWords(System.IO.Path.Combine(parent, "cgroup.subtree_control")).Contains("memory"))
        {
            return $"cgroup v2: the memory controller is not enabled for children of {parent} (its cgroup.subtree_control)";
        }

        return null;
    }

    /// <summary>Reads any memory cgroup's folder, v1 or v2 by the files it holds; null when it cannot be read (gone, no rights).</summary>
    public static CgroupReading? TryRead(string path)
    {
        try
        {
            foreach (var files in Layouts.Where(l => File.Exists(System.IO.Path.Combine(path, l.Usage))))
            {
                return new CgroupReading(
                    ReadLong(path, files.Usage) ?? 0,
                    ReadLong(path, files.Peak),
                    ReadLong(path, files.Limit),
                    ReadKey(path, files.Events, "oom_kill"));
            }
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // Unreadable now (the group was removed).
        }

        return null;
    }

    /// <summary>Parses a <c>memory.oom_control</c> / <c>memory.events</c> / <c>memory.stat</c> body: the value of <paramref name="key"/>, else 0.</summary>
    public static long ParseKey(string text, string key)
    {
        foreach (var line in text.Split('\n'))
        {
            var parts = line.Trim().Split(' ', 2);
            if (parts.Length == 2 && parts[0] == key && long.TryParse(parts[1], CultureInfo.InvariantCulture, out var value))
            {
                return value;
            }
        }

        return 0;
    }

    /// <summary>This group's reading now.</summary>
    public CgroupReading Read() => TryRead(Path) ?? throw new IOException($"the memory cgroup {Path} cannot be read");

    /// <summary>This group's <c>memory.stat</c>, by the names of its version (v1 rss/cache/mapped_file, v2 anon/file/file_mapped).</summary>
    public CgroupMemoryStat Stat()
    {
        var text = File.ReadAllText(System.IO.Path.Combine(Path, "memory.stat"));
        return Version == CgroupVersion.V1
            ? new(ParseKey(text, "rss"), ParseKey(text, "cache"), ParseKey(text, "mapped_file"), ParseKey(text, "pgmajfault"))
            : new(ParseKey(text, "anon"), ParseKey(text, "file"), ParseKey(text, "file_mapped"), ParseKey(text, "pgmajfault"));
    }

    /// <summary>A shell prefix that moves the shell into this group, then <c>exec</c>s the command.</summary>
    public string JoinAndExec(string command) => $"echo $$ > '{ProcsFile}' && exec {command}";

    public void Dispose()
    {
        // The group can only be removed once empty; processes are killed by their owners first.
        for (var attempt = 0; attempt < 20; attempt++)
        {
            try
            {
                if (Directory.Exists(Path))
                {
                    Directory.Delete(Path);
                }

                return;
            }
            catch (IOException)
            {
                Thread.Sleep(100);
            }
        }
    }

    /// <summary>The hierarchy with a memory controller and this process's group in it, v1 first (as deploy/lib/cgroup.sh); null when neither is mounted.</summary>
    private static (CgroupVersion Version, string Parent)? Parent(string mount, string procSelfCgroup)
    {
        var v1 = System.IO.Path.Combine(mount, "memory");
        if (File.Exists(System.IO.Path.Combine(v1, "memory.limit_in_bytes")) || File.Exists(System.IO.Path.Combine(v1, "cgroup.procs")))
        {
            return (CgroupVersion.V1, v1 + OwnGroup(procSelfCgroup, static (id, controllers) => controllers.Split(',').Contains("memory")));
        }

        if (ReadWords(System.IO.Path.Combine(mount, "cgroup.controllers")).Contains("memory"))
        {
            // v2: the one line "0::/path" (hierarchy id 0, no controller list).
            return (CgroupVersion.V2, mount + OwnGroup(procSelfCgroup, static (id, controllers) => id == "0" && controllers.Length == 0));
        }

        return null;
    }

    /// <summary>This process's group (<c>/a/b</c>, or empty for the root) on the first line of <c>/proc/self/cgroup</c> that <paramref name="matches"/>.</summary>
    private static string OwnGroup(string procSelfCgroup, Func<string, string, bool> matches)
    {
        foreach (var line in File.ReadAllLines(procSelfCgroup))
        {
            var parts = line.Split(':', 3);
            if (parts.Length == 3 && matches(parts[0], parts[1]))
            {
                return parts[2].TrimEnd('/');
            }
        }

        return string.Empty;
    }

    private static string[] ReadWords(string file) =>
        File.Exists(file) ? File.ReadAllText(file).Split([' ', '\n'], StringSplitOptions.RemoveEmptyEntries) : [];

    private static void WriteIfPresent(string dir, string file, string value)
    {
        var full = System.IO.Path.Combine(dir, file);
        if (File.Exists(full))
        {
            File.WriteAllText(full, value);
        }
    }

    private static long? ReadLong(string path, string file)
    {
        var full = System.IO.Path.Combine(path, file);
        if (!File.Exists(full))
        {
            return null;
        }

        var text = File.ReadAllText(full).Trim();
        return long.TryParse(text, CultureInfo.InvariantCulture, out var value) && value < Unlimited ? value : null;
    }

    private static long ReadKey(string path, string file, string key)
    {
        var full = System.IO.Path.Combine(path, file);
        return File.Exists(full) ? ParseKey(File.ReadAllText(full), key) : 0;
    }

    private static bool IsWritable(string dir)
    {
        try
        {
            var probe = System.IO.Path.Combine(dir, $"probe-{Guid.NewGuid():N}");
            Directory.CreateDirectory(probe);
            Directory.Delete(probe);
            return true;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }
}
