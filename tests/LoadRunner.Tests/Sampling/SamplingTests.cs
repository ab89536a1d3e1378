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
    public void DefaultFilter_OnTheRenamedInstruments_RecordsMemoryQueueRejectionsAndOomKills_AndChartsTheCgroupMemory()
    {
        // Series as the backend and the gateway export them now (docs/observability.md).
        const string text = """
            image_gateway_container_memory_usage_bytes{otel_scope_name="ImageGateway.Backend"} 31457280
            image_gateway_container_memory_limit_bytes{otel_scope_name="ImageGateway.Backend"} 52428800
            image_gateway_container_memory_oom_kills_total{otel_scope_name="ImageGateway.Backend"} 0
            image_gateway_admission_queue_usage_bytes{otel_scope_name="ImageGateway.Backend"} 4096
            image_gateway_dispatch_shed_total{otel_scope_name="ImageGateway.Gateway",error_type="overloaded"} 7
            image_gateway_counting_requests_total{otel_scope_name="ImageGateway.Backend",image_gateway_outcome="counted"} 12
            """;
        var filter = Cli.RunCommandTests.Build("legit").MetricFilter;

        var sums = PrometheusText.Sum(text, filter);

        Assert.Equal(
            ["image_gateway_admission_queue_usage_bytes", "image_gateway_container_memory_limit_bytes", "image_gateway_container_memory_oom_kills_total",
             "image_gateway_container_memory_usage_bytes", "image_gateway_dispatch_shed_total"],
            sums.Keys.Order());
        Assert.True(ImageGateway.LoadRunner.Reporting.ChartRenderer.IsMemoryMetric("image_gateway_container_memory_usage_bytes"));
    }
}
