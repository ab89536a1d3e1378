namespace ImageGateway.TestSupport.Tests;

/// <summary>
/// The cgroup helper on fake trees built here, laid out as the kernel documents them
/// (Documentation/admin-guide/cgroup-v1/memory.rst, cgroup-v2.rst): the v2 path cannot be run on this
/// cgroup v1 machine, and the v1 path is also exercised for real by every test that starts a backend in a group.
/// </summary>
public sealed class MemoryCgroupTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("cgroup-tree-").FullName;

    private string Mount => Path.Combine(_root, "sys/fs/cgroup");

    private string ProcSelfCgroup => Path.Combine(_root, "proc-self-cgroup");

    public void Dispose() => Directory.Delete(_root, recursive: true);

    [Fact]
    public void V2_MemoryEnabledForChildren_CreatesAGroupUnderItsOwnWithMemoryMax()
    {
        Write("sys/fs/cgroup/cgroup.controllers", "cpuset cpu io memory pids\n");
        Write("sys/fs/cgroup/tests.slice/cgroup.subtree_control", "cpu memory\n");
        Write("proc-self-cgroup", "0::/tests.slice\n");

        var cgroup = MemoryCgroup.TryCreate("backend", 50L << 20, Mount, ProcSelfCgroup, out var whyNot);

        Assert.Null(whyNot);
        Assert.NotNull(cgroup);
        Assert.Equal(CgroupVersion.V2, cgroup.Version);
        Assert.Equal(Path.Combine(Mount, "tests.slice"), Path.GetDirectoryName(cgroup.Path));
        Assert.StartsWith("backend-", Path.GetFileName(cgroup.Path), StringComparison.Ordinal);
        Assert.Equal("52428800", File.ReadAllText(Path.Combine(cgroup.Path, "memory.max")));
        Assert.False(File.Exists(Path.Combine(cgroup.Path, "memory.limit_in_bytes")));
        Assert.Equal(Path.Combine(cgroup.Path, "cgroup.procs"), cgroup.ProcsFile);
    }

    [Fact]
    public void V2_GroupFiles_AreReadAsUsagePeakAndOomKills()
    {
        Write("sys/fs/cgroup/cgroup.controllers", "memory\n");
        Write("sys/fs/cgroup/cgroup.subtree_control", "memory\n");
        Write("proc-self-cgroup", "0::/\n");
        var cgroup = MemoryCgroup.TryCreate("worker", 64L << 20, Mount, ProcSelfCgroup, out _)!;
        Assert.Equal(Mount, Path.GetDirectoryName(cgroup.Path)); // the root group's children
        // What the kernel would show in the new group after some use.
        File.WriteAllText(Path.Combine(cgroup.Path, "memory.current"), "31457280\n");
        File.WriteAllText(Path.Combine(cgroup.Path, "memory.peak"), "41943040\n");
        File.WriteAllText(Path.Combine(cgroup.Path, "memory.events"), "low 0\nhigh 0\nmax 7\noom 3\noom_kill 2\noom_group_kill 0\n");
        File.WriteAllText(Path.Combine(cgroup.Path, "memory.stat"), "anon 20971520\nfile 4096\nkernel 8192\nfile_mapped 1024\npgfault 100\npgmajfault 3\n");

        Assert.Equal(new CgroupReading(31457280, 41943040, 64L << 20, 2), cgroup.Read());
        Assert.Equal((31457280L, (long?)41943040L, 2L), (cgroup.UsageBytes, cgroup.MaxUsageBytes, cgroup.OomKills));
        Assert.Equal(new CgroupMemoryStat(20971520, 4096, 1024, 3), cgroup.Stat());
    }

    [Fact]
    public void V2_MemoryNotEnabledForChildren_IsUnavailableNamingTheParent()
    {
        Write("sys/fs/cgroup/cgroup.controllers", "cpuset cpu io memory pids\n");
        Write("sys/fs/cgroup/user.slice/cgroup.subtree_control", "cpu pids\n");
        Write("proc-self-cgroup", "0::/user.slice\n");

        var cgroup = MemoryCgroup.TryCreate("backend", 50L << 20, Mount, ProcSelfCgroup, out var whyNot);

        Assert.Null(cgroup);
        Assert.Equal($"cgroup v2: the memory controller is not enabled for children of {Path.Combine(Mount, "user.slice")} (its cgroup.subtree_control)", whyNot);
        Assert.Empty(Directory.GetDirectories(Path.Combine(Mount, "user.slice")));
    }

    [Fact]
    public void NoMemoryController_IsUnavailable()
    {
        Write("sys/fs/cgroup/cgroup.controllers", "cpu io pids\n");
        Write("proc-self-cgroup", "0::/\n");

        Assert.StartsWith("no memory cgroup controller is mounted", MemoryCgroup.Unavailability(Mount, ProcSelfCgroup), StringComparison.Ordinal);
    }

    [Fact]
    public void V1_MemoryController_CreatesUnderOwnMemoryGroupWithLimitAndNoSwap()
    {
        Write("sys/fs/cgroup/memory/memory.limit_in_bytes", "9223372036854771712\n");
        Write("sys/fs/cgroup/memory/ci/job/cgroup.procs", "1\n");
        // v1 lists one line per hierarchy; the memory one may share it with others.
        Write("proc-self-cgroup", "12:pids:/other\n4:memory:/ci/job\n1:name=systemd:/x\n0::/unified\n");

        var cgroup = MemoryCgroup.TryCreate("backend", 50L << 20, Mount, ProcSelfCgroup, out var whyNot);

        Assert.Null(whyNot);
        Assert.Equal(CgroupVersion.V1, cgroup!.Version);
        Assert.Equal(Path.Combine(Mount, "memory/ci/job"), Path.GetDirectoryName(cgroup.Path));
        Assert.Equal("52428800", File.ReadAllText(Path.Combine(cgroup.Path, "memory.limit_in_bytes")));
        Assert.False(File.Exists(Path.Combine(cgroup.Path, "memory.max")));
    }

    [Fact]
    public void V1_GroupFiles_AreReadWithOomKillsAndStat()
    {
        var group = Write("v1/memory.usage_in_bytes", "31457280\n");
        Write("v1/memory.max_usage_in_bytes", "41943040\n");
        Write("v1/memory.limit_in_bytes", "52428800\n");
        Write("v1/memory.oom_control", "oom_kill_disable 0\nunder_oom 0\noom_kill 2\n");

        Assert.Equal(new CgroupReading(31457280, 41943040, 52428800, 2), MemoryCgroup.TryRead(group));
    }

    [Fact]
    public void V1WithoutLimit_ReadsLimitAsNone()
    {
        var group = Write("v1/memory.usage_in_bytes", "1000\n");
        Write("v1/memory.limit_in_bytes", "9223372036854771712\n");

        Assert.Null(MemoryCgroup.TryRead(group)!.LimitBytes);
    }

    [Fact]
    public void V2FilesWithoutLimitOrPeak_ReadLimitAndPeakAsNone()
    {
        // memory.peak exists from Linux 5.19 on; "max" is v2's "no limit".
        var group = Write("v2/memory.current", "1000\n");
        Write("v2/memory.max", "max\n");
        Write("v2/memory.events", "low 0\nhigh 0\nmax 4\noom 1\noom_kill 1\n");

        Assert.Equal(new CgroupReading(1000, null, null, 1), MemoryCgroup.TryRead(group));
    }

    [Fact]
    public void MissingFolder_IsNull() =>
        Assert.Null(MemoryCgroup.TryRead("/nonexistent/cgroup/" + Guid.NewGuid()));

    /// <summary>Writes a file of the fake tree; returns its folder.</summary>
    private string Write(string relative, string content)
    {
        var path = Path.Combine(_root, relative);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, content);
        return Path.GetDirectoryName(path)!;
    }
}
