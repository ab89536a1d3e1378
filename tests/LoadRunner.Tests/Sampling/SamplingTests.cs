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
    public void CgroupMemory_V1Files_AreReadWithOomKills()
    {
        var dir = Directory.CreateTempSubdirectory("cg-v1").FullName;
        try
        {
            File.WriteAllText(Path.Combine(dir, "memory.usage_in_bytes"), "31457280\n");
            File.WriteAllText(Path.Combine(dir, "memory.max_usage_in_bytes"), "41943040\n");
            File.WriteAllText(Path.Combine(dir, "memory.limit_in_bytes"), "52428800\n");
            File.WriteAllText(Path.Combine(dir, "memory.oom_control"), "oom_kill_disable 0\nunder_oom 0\noom_kill 2\n");

            Assert.Equal(new CgroupReading(31457280, 41943040, 52428800, 2), CgroupMemory.TryRead(dir));
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public void CgroupMemory_V2FilesWithoutLimit_ReadLimitAsNone()
    {
        var dir = Directory.CreateTempSubdirectory("cg-v2").FullName;
        try
        {
            File.WriteAllText(Path.Combine(dir, "memory.current"), "1000\n");
            File.WriteAllText(Path.Combine(dir, "memory.max"), "max\n");
            File.WriteAllText(Path.Combine(dir, "memory.events"), "low 0\nhigh 0\nmax 4\noom 1\noom_kill 1\n");

            Assert.Equal(new CgroupReading(1000, null, null, 1), CgroupMemory.TryRead(dir));
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public void CgroupMemory_MissingFolder_IsNull() =>
        Assert.Null(CgroupMemory.TryRead("/nonexistent/cgroup/" + Guid.NewGuid()));
}
