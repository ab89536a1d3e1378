using System.Text.RegularExpressions;
using ImageGateway.LoadRunner.Sampling;

namespace ImageGateway.LoadRunner.Tests.Sampling;

public sealed class SamplingTests
{
    [Fact]
    public void PrometheusText_SumsMatchingSeriesOverLabels_SkipsCommentsAndOthers()
    {
        const string text = """
            # HELP process_working_set_bytes Working set.
            # TYPE process_working_set_bytes gauge
            process_working_set_bytes 1.5e+07
            http_server_active_requests{route="/count-white-pixels",method="POST"} 3
            http_server_active_requests{route="/health/ready",method="GET"} 1 1712345678000
            http_server_request_duration_seconds_count{code="200"} 99
            broken_line_without_value
            dotnet_gc_heap_size_bytes{gen="gen0"} NaN
            """;

        var sums = PrometheusText.Sum(text, new Regex("working_set|active|heap"));

        Assert.Equal(new Dictionary<string, double> { ["process_working_set_bytes"] = 15_000_000, ["http_server_active_requests"] = 4 }, sums);
    }

    [Fact]
    public void CgroupMemory_V1Files_AreReadWithOomKills() =>
        Assert.Equal(new CgroupReading(31457280, 41943040, 52428800, 2), ReadFakeCgroup(new()
        {
            ["memory.usage_in_bytes"] = "31457280\n",
            ["memory.max_usage_in_bytes"] = "41943040\n",
            ["memory.limit_in_bytes"] = "52428800\n",
            ["memory.oom_control"] = "oom_kill_disable 0\nunder_oom 0\noom_kill 2\n",
        }));

    [Fact]
    public void CgroupMemory_V1WithoutLimit_ReadsLimitAsNone() =>
        Assert.Null(ReadFakeCgroup(new()
        {
            ["memory.usage_in_bytes"] = "1000\n",
            ["memory.limit_in_bytes"] = "9223372036854771712\n",
        })!.LimitBytes);

    [Fact]
    public void CgroupMemory_V2FilesWithoutLimit_ReadLimitAsNone() =>
        Assert.Equal(new CgroupReading(1000, null, null, 1), ReadFakeCgroup(new()
        {
            ["memory.current"] = "1000\n",
            ["memory.max"] = "max\n",
            ["memory.events"] = "low 0\nhigh 0\nmax 4\noom 1\noom_kill 1\n",
        }));

    [Fact]
    public void CgroupMemory_MissingFolder_IsNull() =>
        Assert.Null(CgroupMemory.TryRead("/nonexistent/cgroup/" + Guid.NewGuid()));

    /// <summary>Reads a folder laid out like a cgroup with exactly <paramref name="files"/>.</summary>
    private static CgroupReading? ReadFakeCgroup(Dictionary<string, string> files)
    {
        var dir = Directory.CreateTempSubdirectory("cgroup").FullName;
        try
        {
            foreach (var (name, content) in files)
            {
                File.WriteAllText(Path.Combine(dir, name), content);
            }

            return CgroupMemory.TryRead(dir);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }
}
