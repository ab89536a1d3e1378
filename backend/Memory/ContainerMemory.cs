using System.Globalization;

namespace ImageGateway.Backend.Memory;

/// <summary>
/// The memory cgroup this process lives in: its effective limit (the smallest limit on the way to the
/// root) and where to read its current usage. cgroup v1 (<c>memory.limit_in_bytes</c> of the group named
/// in <c>/proc/self/cgroup</c>) and v2 (<c>memory.max</c>) are both understood.
/// </summary>
public sealed class ContainerMemory
{
    /// <summary>v1 reports "no limit" as a page-rounded <see cref="long.MaxValue"/>; anything this large is none.</summary>
    private const long Unlimited = 1L << 60;

    private readonly string? _usageFile;
    private readonly string? _eventsFile;

    private ContainerMemory(long? limitBytes, string source, string? usageFile, string? eventsFile = null)
    {
        LimitBytes = limitBytes;
        Source = source;
        _usageFile = usageFile;
        _eventsFile = eventsFile;
    }

    /// <summary>The effective memory limit of the group, or null when it has none.</summary>
    public long? LimitBytes { get; }

    /// <summary>Where the limit came from, for logs and <c>/health/ready</c>.</summary>
    public string Source { get; }

    /// <summary>Memory charged to the group now (page cache included), or null when unknown.</summary>
    public long? UsageBytes => _usageFile is not null && TryReadLong(_usageFile, out var usage) ? usage : null;

    /// <summary>
    /// Processes of the group the kernel OOM-killed since the group was made (the <c>oom_kill</c> line of
    /// v1 <c>memory.oom_control</c>, kernel 4.13+, or v2 <c>memory.events</c>), or null when unknown.
    /// A backend cannot count its own kill, but the group outlives a killed child (a decode worker)
    /// and, in run-local, a killed backend restarted in it.
    /// </summary>
    public long? OomKills => _eventsFile is not null && TryReadField(_eventsFile, "oom_kill", out var kills) ? kills : null;

    /// <summary>Detects this process's memory cgroup under <paramref name="root"/> (the file-system root; tests pass a fake one).</summary>
    public static ContainerMemory Detect(string root = "/")
    {
        var procSelf = Path.Combine(root, "proc/self/cgroup");
        var lines = File.Exists(procSelf) ? File.ReadAllLines(procSelf) : [];
        return DetectV1(root, lines) ?? DetectV2(root, lines) ?? new ContainerMemory(null, "no memory cgroup found", null);
    }

    /// <summary>Returns a copy whose limit is <paramref name="configuredBytes"/> when none was detected.</summary>
    public ContainerMemory WithFallback(long? configuredBytes, string key) =>
        LimitBytes is null && configuredBytes is { } bytes
            ? new ContainerMemory(bytes, $"configuration {key} ({Source})", _usageFile, _eventsFile)
            : this;

    private static ContainerMemory? DetectV1(string root, string[] procSelfCgroup)
    {
        var group = procSelfCgroup.Select(l => l.Split(':', 3))
            .FirstOrDefault(p => p.Length == 3 && p[1].Split(',').Contains("memory"))?[2];
        if (group is null)
        {
            return null;
        }

        var mount = Path.Combine(root, "sys/fs/cgroup/memory");
        // Without a cgroup namespace the group is a sub-folder of the mount; inside one, the mount is the group.
        var dir = Path.Combine(mount, group.TrimStart('/'));
        if (!File.Exists(Path.Combine(dir, "memory.limit_in_bytes")))
        {
            dir = mount;
        }

        var limitFile = Path.Combine(dir, "memory.limit_in_bytes");
        if (!TryReadLong(limitFile, out var own))
        {
            return null;
        }

        // memory.stat's hierarchical_memory_limit is the smallest limit of this group and its ancestors.
        var limit = own;
        var stat = Path.Combine(dir, "memory.stat");
        if (File.Exists(stat))
        {
            foreach (var line in File.ReadLines(stat))
            {
                var parts = line.Split(' ');
                if (parts.Length == 2 && parts[0] == "hierarchical_memory_limit"
                    && long.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var hierarchical))
                {
                    limit = Math.Min(limit, hierarchical);
                }
            }
        }

        return new ContainerMemory(limit >= Unlimited ? null : limit, $"cgroup v1 {limitFile}", Path.Combine(dir, "memory.usage_in_bytes"),
            Path.Combine(dir, "memory.oom_control"));
    }

    private static ContainerMemory? DetectV2(string root, string[] procSelfCgroup)
    {
        var group = procSelfCgroup.Select(l => l.Split(':', 3)).FirstOrDefault(p => p.Length == 3 && p[0] == "0")?[2];
        var mount = Path.Combine(root, "sys/fs/cgroup");
        if (group is null || !File.Exists(Path.Combine(mount, "cgroup.controllers")))
        {
            return null;
        }

        var dir = Path.Combine(mount, group.TrimStart('/'));
        if (!Directory.Exists(dir))
        {
            dir = mount;
        }

        // The effective limit is the smallest memory.max from the group up to the mount.
        long? limit = null;
        string? limitFile = null;
        for (var d = dir; d is not null && d.StartsWith(mount, StringComparison.Ordinal); d = Path.GetDirectoryName(d))
        {
            var max = Path.Combine(d, "memory.max");
            if (File.Exists(max) && File.ReadAllText(max).Trim() is var text && text != "max"
                && long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var value) && (limit is null || value < limit))
            {
                limit = value;
                limitFile = max;
            }
        }

        return new ContainerMemory(limit, limitFile is null ? $"cgroup v2 {dir} (memory.max is max)" : $"cgroup v2 {limitFile}",
            Path.Combine(dir, "memory.current"), Path.Combine(dir, "memory.events"));
    }

    /// <summary>Reads the value of a <c>name value</c> line (memory.events, memory.oom_control).</summary>
    private static bool TryReadField(string file, string name, out long value)
    {
        value = 0;
        try
        {
            if (!File.Exists(file))
            {
                return false;
            }

            foreach (var line in File.ReadLines(file))
            {
                var parts = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
                if (parts.Length == 2 && parts[0] == name)
                {
                    return long.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out value);
                }
            }

            return false;
        }
        catch (IOException)
        {
            return false;
        }
    }

    private static bool TryReadLong(string file, out long value)
    {
        value = 0;
        try
        {
            return File.Exists(file) && long.TryParse(File.ReadAllText(file).Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out value);
        }
        catch (IOException)
        {
            return false;
        }
    }
}
