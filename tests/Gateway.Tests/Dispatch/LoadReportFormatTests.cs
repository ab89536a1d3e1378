using ImageGateway.Common.LoadReports;

namespace ImageGateway.Gateway.Tests.Dispatch;

/// <summary>
/// The ORCA TEXT form as the gateway reads it, against Envoy's published test vectors
/// (envoyproxy/envoy test/common/orca/orca_parser_test.cc): what Envoy accepts and refuses, and why.
/// </summary>
public sealed class LoadReportFormatTests
{
    [Theory]
    [InlineData("TEXT cpu_utilization=0.7,application_utilization=0.8,mem_utilization=0.9,rps_fractional=1000,eps=2,named_metrics.foo=123,named_metrics.bar=0.2,utilization.total=0.5")]
    [InlineData("TEXT cpu_utilization:0.7,application_utilization:0.8,mem_utilization:0.9,rps_fractional:1000,eps:2,named_metrics.foo:123,named_metrics.bar:0.2,utilization.total:0.5")]
    public void TryParseMetrics_EnvoysExampleReport_ReadsEveryField(string value)
    {
        Assert.Null(LoadReport.TryParseMetrics(value, out var metrics));

        Assert.Equal(0.7, metrics["cpu_utilization"]);
        Assert.Equal(0.8, metrics["application_utilization"]);
        Assert.Equal(0.9, metrics["mem_utilization"]);
        Assert.Equal(1000, metrics["rps_fractional"]);
        Assert.Equal(2, metrics["eps"]);
        Assert.Equal(123, metrics["named_metrics.foo"]);
        Assert.Equal(0.2, metrics["named_metrics.bar"]);
        Assert.Equal(0.5, metrics["utilization.total"]);
    }

    [Theory]
    [InlineData("BAD random-value", "unsupported ORCA header format: BAD")]
    [InlineData("BADBAD random-value", "unsupported ORCA header format: BADBA")]
    [InlineData("", "unsupported ORCA header format: ")]
    [InlineData("TEXT cpu_utilization=\"0.7\"", "unable to parse custom backend load metric value(cpu_utilization): \"0.7\"")]
    [InlineData("TEXT cpu_utilization=NaN", "custom backend load metric value(cpu_utilization) cannot be NaN.")]
    [InlineData("TEXT cpu_utilization=inf", "custom backend load metric value(cpu_utilization) cannot be infinity.")]
    [InlineData("TEXT cpu_utilization=-1", "custom backend load metric value(cpu_utilization) cannot be negative.")]
    [InlineData("TEXT cpu_utilization=0.7,cpu_utilization=0.8", "endpoint-load-metrics contains duplicate metric: cpu_utilization")]
    [InlineData("TEXT cpu_utilization=0.7,unsupported_metric=0.8", "unsupported metric name: unsupported_metric")]
    [InlineData("TEXT utilization.=0.9", "utilization metric key is empty.")]
    [InlineData("TEXT named_metrics.foo=123,named_metrics.duplicate=123,named_metrics.duplicate=0.2", "endpoint-load-metrics contains duplicate metric: named_metrics.duplicate")]
    [InlineData("TEXT named_metrics.=123", "named metric key is empty.")]
    [InlineData("TEXT not-a-list-of-key-value-pairs", "metric values cannot be empty strings")]
    public void TryParseMetrics_EnvoysRefusedValues_RefusedWithEnvoysReason(string value, string reason)
    {
        Assert.Equal(reason, LoadReport.TryParseMetrics(value, out _));
    }

    [Fact]
    public void Format_ThenParse_GivesTheSameReport()
    {
        var report = new LoadReport(14680064, 5242880, 1048576, 0.25, DecodeSlots: 4);

        Assert.True(LoadReport.TryParse(report.Format(), out var read));

        Assert.Equal(report, read);
        Assert.StartsWith("TEXT ", report.Format(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("TEXT cpu_utilization=0.5")]
    [InlineData("TEXT named_metrics.budget_bytes=-1")]
    [InlineData("JSON {\"named_metrics\":{\"budget_bytes\":1}}")]
    public void TryParse_ReportWithoutAUsableBudget_IsNotAReport(string value)
    {
        Assert.False(LoadReport.TryParse(value, out _));
    }
}
