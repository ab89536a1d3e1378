using ImageGateway.Backend.Memory;

namespace ImageGateway.Backend.Tests.Memory;

/// <summary>Detection of the memory cgroup on fake file-system roots laid out as v1 and v2 kernels do.</summary>
public sealed class ContainerMemoryTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("container-memory-").FullName;

    [Fact]
    public void Detect_V1GroupWithLimit_ReportsTheSmallerOfOwnAndHierarchicalLimits()
    {
        Write("proc/self/cgroup", "9:pids:/\n4:memory:/outer/inner\n0::/\n");
        Write("sys/fs/cgroup/memory/outer/inner/memory.limit_in_bytes", "104857600\n");
        Write("sys/fs/cgroup/memory/outer/inner/memory.stat", "cache 0\nhierarchical_memory_limit 52428800\n");
        Write("sys/fs/cgroup/memory/outer/inner/memory.usage_in_bytes", "12345\n");

        var memory = ContainerMemory.Detect(_root);

        Assert.Equal(52_428_800, memory.LimitBytes);
        Assert.Equal(12_345, memory.UsageBytes);
        Assert.Contains("cgroup v1", memory.Source, StringComparison.Ordinal);
    }

    [Fact]
    public void OomKills_V1OomControl_ReadsTheOomKillLine()
    {
        Write("proc/self/cgroup", "4:memory:/backend\n");
        Write("sys/fs/cgroup/memory/backend/memory.limit_in_bytes", "52428800\n");
        Write("sys/fs/cgroup/memory/backend/memory.oom_control", "oom_kill_disable 0\nunder_oom 0\noom_kill 3\n");

        Assert.Equal(3, ContainerMemory.Detect(_root).OomKills);
    }

    [Fact]
    public void OomKills_V2MemoryEvents_ReadsTheOomKillLine()
    {
        Write("proc/self/cgroup", "0::/backend\n");
        Write("sys/fs/cgroup/cgroup.controllers", "memory\n");
        Write("sys/fs/cgroup/backend/memory.max", "52428800\n");
        Write("sys/fs/cgroup/backend/memory.events", "low 0\nhigh 0\nmax 12\noom 2\noom_kill 1\n");

        Assert.Equal(1, ContainerMemory.Detect(_root).OomKills);
    }

    [Fact]
    public void OomKills_KernelWithoutTheLine_IsUnknown()
    {
        Write("proc/self/cgroup", "4:memory:/backend\n");
        Write("sys/fs/cgroup/memory/backend/memory.limit_in_bytes", "52428800\n");
        Write("sys/fs/cgroup/memory/backend/memory.oom_control", "oom_kill_disable 0\nunder_oom 0\n");

        Assert.Null(ContainerMemory.Detect(_root).OomKills);
    }

    [Fact]
    public void Detect_V1NamespacedGroup_ReadsTheMountItself()
    {
        Write("proc/self/cgroup", "4:memory:/docker/abc\n");
        Write("sys/fs/cgroup/memory/memory.limit_in_bytes", "52428800\n");

        Assert.Equal(52_428_800, ContainerMemory.Detect(_root).LimitBytes);
    }

    [Fact]
    public void Detect_V1Unlimited_ReportsNoLimit()
    {
        Write("proc/self/cgroup", "4:memory:/\n");
        Write("sys/fs/cgroup/memory/memory.limit_in_bytes", "9223372036854771712\n");

        Assert.Null(ContainerMemory.Detect(_root).LimitBytes);
    }

    [Fact]
    public void OomKills_V1_ReadsTheGroupsOomControl()
    {
        Write("proc/self/cgroup", "4:memory:/backend\n");
        Write("sys/fs/cgroup/memory/backend/memory.limit_in_bytes", "52428800\n");
        Write("sys/fs/cgroup/memory/backend/memory.usage_in_bytes", "1\n");
        Write("sys/fs/cgroup/memory/backend/memory.oom_control", "oom_kill_disable 0\nunder_oom 0\noom_kill 3\n");

        Assert.Equal(3, ContainerMemory.Detect(_root).OomKills);
    }

    [Fact]
    public void OomKills_V2_ReadsTheGroupsMemoryEvents()
    {
        Write("proc/self/cgroup", "0::/backend\n");
        Write("sys/fs/cgroup/cgroup.controllers", "memory\n");
        Write("sys/fs/cgroup/backend/memory.max", "52428800\n");
        Write("sys/fs/cgroup/backend/memory.current", "1\n");
        Write("sys/fs/cgroup/backend/memory.events", "low 0\nhigh 0\nmax 9\noom 2\noom_kill 2\n");

        Assert.Equal(2, ContainerMemory.Detect(_root).OomKills);
    }

    [Fact]
    public void OomKills_NoCgroup_IsUnknown()
    {
        Assert.Null(ContainerMemory.Detect(_root).OomKills);
    }

    [Fact]
    public void Detect_V2Group_ReportsTheSmallestMemoryMaxUpToTheRoot()
    {
        Write("proc/self/cgroup", "0::/app/backend\n");
        Write("sys/fs/cgroup/cgroup.controllers", "cpu memory\n");
        Write("sys/fs/cgroup/app/memory.max", "67108864\n");
        Write("sys/fs/cgroup/app/backend/memory.max", "max\n");
        Write("sys/fs/cgroup/app/backend/memory.current", "999\n");

        var memory = ContainerMemory.Detect(_root);

        Assert.Equal(67_108_864, memory.LimitBytes);
        Assert.Equal(999, memory.UsageBytes);
        Assert.Contains("cgroup v2", memory.Source, StringComparison.Ordinal);
    }

    [Fact]
    public void Detect_NoCgroup_UsesTheConfiguredFallbackOnly()
    {
        var memory = ContainerMemory.Detect(_root);
        Assert.Null(memory.LimitBytes);

        var configured = memory.WithFallback(50L << 20, "Memory:ContainerLimitBytes");
        Assert.Equal(50L << 20, configured.LimitBytes);
        Assert.Contains("Memory:ContainerLimitBytes", configured.Source, StringComparison.Ordinal);
    }

    [Fact]
    public void WithFallback_LimitDetected_KeepsTheDetectedLimit()
    {
        Write("proc/self/cgroup", "4:memory:/\n");
        Write("sys/fs/cgroup/memory/memory.limit_in_bytes", "52428800\n");

        Assert.Equal(52_428_800, ContainerMemory.Detect(_root).WithFallback(1L << 30, "Memory:ContainerLimitBytes").LimitBytes);
    }

    public void Dispose() => Directory.Delete(_root, recursive: true);

    private void Write(string relative, string text)
    {
        var path = Path.Combine(_root, relative);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, text);
    }
}
