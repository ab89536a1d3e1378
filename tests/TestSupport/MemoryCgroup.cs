using System.Globalization;

namespace ImageGateway.TestSupport;

/// <summary>
/// A cgroup v1 memory group made under this process's own group, so a process started inside it
/// is limited and OOM-killed by the kernel exactly as in a container. Needs root and a writable
/// <c>/sys/fs/cgroup/memory</c>; <see cref="TryCreate"/> says why not where that is missing.
/// </summary>
public sealed class MemoryCgroup : IDisposable
{
    private const string V1Root = "/sys/fs/cgroup/memory";

    private MemoryCgroup(string path, long limitBytes)
    {
        Path = path;
        LimitBytes = limitBytes;
    }

    /// <summary>The group's folder.</summary>
    public string Path { get; }

    public long LimitBytes { get; }

    /// <summary>The file a process writes its pid to in order to join.</summary>
    public string ProcsFile => System.IO.Path.Combine(Path, "cgroup.procs");

    /// <summary>Creates a fresh group with <paramref name="limitBytes"/> and no swap, or explains why it cannot.</summary>
    public static MemoryCgroup? TryCreate(string name, long limitBytes, out string? whyNot)
    {
        whyNot = Unavailability();
        if (whyNot is not null)
        {
            return null;
        }

        var parent = System.IO.Path.Combine(V1Root, OwnGroup().TrimStart('/'));
        var unique = $"{name}-{Environment.ProcessId}-{Guid.NewGuid():N}";
        var path = System.IO.Path.Combine(parent, unique[..Math.Min(60, unique.Length)]);
        try
        {
            Directory.CreateDirectory(path);
            File.WriteAllText(System.IO.Path.Combine(path, "memory.limit_in_bytes"), limitBytes.ToString(CultureInfo.InvariantCulture));
            var swap = System.IO.Path.Combine(path, "memory.memsw.limit_in_bytes");
            if (File.Exists(swap))
            {
                File.WriteAllText(swap, limitBytes.ToString(CultureInfo.InvariantCulture));
            }

            return new MemoryCgroup(path, limitBytes);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            whyNot = $"cannot create a memory cgroup at {path}: {ex.Message}";
            return null;
        }
    }

    /// <summary>Null when memory cgroups can be made here, else the reason they cannot.</summary>
    public static string? Unavailability()
    {
        if (!OperatingSystem.IsLinux())
        {
            return "memory cgroups need Linux";
        }

        if (!File.Exists(System.IO.Path.Combine(V1Root, "memory.limit_in_bytes"))
            && !File.Exists(System.IO.Path.Combine(V1Root, "cgroup.procs")))
        {
            return $"no cgroup v1 memory controller at {V1Root}";
        }

        if (Environment.UserName != "root" && !string.Equals(Environment.GetEnvironmentVariable("USER"), "root", StringComparison.Ordinal))
        {
            // Writes below decide for sure; this is only the cheap common case.
            var probe = System.IO.Path.Combine(V1Root, OwnGroup().TrimStart('/'));
            if (!IsWritable(probe))
            {
                return $"{probe} is not writable (run as root)";
            }
        }

        return null;
    }

    /// <summary>The kernel's count of OOM kills in this group (<c>memory.oom_control</c> <c>oom_kill</c>).</summary>
    public long OomKills => ReadStat("memory.oom_control", "oom_kill");

    /// <summary>Memory charged to the group now, in bytes.</summary>
    public long UsageBytes => ReadLong("memory.usage_in_bytes");

    /// <summary>The most memory charged to the group since it was made, in bytes.</summary>
    public long MaxUsageBytes => ReadLong("memory.max_usage_in_bytes");

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

    private long ReadLong(string file) =>
        long.Parse(File.ReadAllText(System.IO.Path.Combine(Path, file)).Trim(), CultureInfo.InvariantCulture);

    private long ReadStat(string file, string key)
    {
        foreach (var line in File.ReadAllLines(System.IO.Path.Combine(Path, file)))
        {
            var parts = line.Split(' ', 2);
            if (parts.Length == 2 && parts[0] == key)
            {
                return long.Parse(parts[1], CultureInfo.InvariantCulture);
            }
        }

        return 0;
    }

    private static string OwnGroup()
    {
        foreach (var line in File.ReadAllLines("/proc/self/cgroup"))
        {
            var parts = line.Split(':', 3);
            if (parts.Length == 3 && parts[1].Split(',').Contains("memory"))
            {
                return parts[2];
            }
        }

        return "/";
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
