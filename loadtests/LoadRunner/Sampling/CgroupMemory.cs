using System.Globalization;

namespace ImageGateway.LoadRunner.Sampling;

/// <summary>One reading of a memory cgroup.</summary>
public sealed record CgroupReading(long UsageBytes, long? MaxUsageBytes, long? LimitBytes, long OomKills);

/// <summary>
/// Reads a backend's memory cgroup, v1 (<c>memory.usage_in_bytes</c>, <c>memory.max_usage_in_bytes</c>,
/// <c>memory.limit_in_bytes</c>, <c>memory.oom_control</c>) or v2 (<c>memory.current</c>, <c>memory.peak</c>,
/// <c>memory.max</c>, <c>memory.events</c>). Returns null when the group cannot be read (gone, no rights).
/// </summary>
public static class CgroupMemory
{
    /// <summary>v1 reports "no limit" as a huge page-rounded number; anything above this is unlimited.</summary>
    private const long Unlimited = 1L << 60;

    private static readonly CgroupFiles[] Layouts =
    [
        new("memory.usage_in_bytes", "memory.max_usage_in_bytes", "memory.limit_in_bytes", "memory.oom_control"),
        new("memory.current", "memory.peak", "memory.max", "memory.events"),
    ];

    public static CgroupReading? TryRead(string path)
    {
        try
        {
            foreach (var files in Layouts.Where(l => File.Exists(Path.Combine(path, l.Usage))))
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
            // Unreadable now (the group was removed): the caller records a gap.
        }

        return null;
    }

    /// <summary>Parses a <c>memory.oom_control</c> / <c>memory.events</c> body: the value of <paramref name="key"/>, else 0.</summary>
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

    private static long? ReadLong(string path, string file)
    {
        var full = Path.Combine(path, file);
        if (!File.Exists(full))
        {
            return null;
        }

        var text = File.ReadAllText(full).Trim();
        return long.TryParse(text, CultureInfo.InvariantCulture, out var value) && value < Unlimited ? value : null;
    }

    private static long ReadKey(string path, string file, string key)
    {
        var full = Path.Combine(path, file);
        return File.Exists(full) ? ParseKey(File.ReadAllText(full), key) : 0;
    }

    /// <summary>The file names of one cgroup version: v1 first, then v2.</summary>
    private sealed record CgroupFiles(string Usage, string Peak, string Limit, string Events);
}
