using System.Globalization;
using System.Text;
using ImageGateway.DashboardSnapshot;
using ImageGateway.TestSupport;
using Xunit.Abstractions;

namespace ImageGateway.Observability.Tests.Prometheus;

/// <summary>The real apps' metrics, checked by Prometheus itself: promtool on their /metrics, and every dashboard query on a Prometheus that scraped them under load.</summary>
public sealed class ScrapedMetricsTests(ObservedStack stack, ITestOutputHelper output) : IClassFixture<ObservedStack>
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task DashboardPanels_OnAPrometheusScrapingTheStackUnderLoad_EveryQueryReturnsData()
    {
        output.WriteLine($"answers during the load: {string.Join(", ", stack.Answers.OrderBy(a => a.Key).Select(a => $"{a.Key}: {a.Value}"))}");
        if (stack.WhyNoCgroup is { } why)
        {
            output.WriteLine($"backends ran without memory cgroups ({why}); their limit is the configured one");
        }

        using var api = new PrometheusApi(stack.Prometheus.Address);
        var panels = Dashboard.Load(Path.Combine(RepoPaths.Root, "deploy/observability/dashboard.json"));
        var missing = new List<string>();
        foreach (var panel in panels)
        {
            foreach (var query in panel.Queries)
            {
                // Grafana's $__rate_interval for a 1 s scrape interval is 4 scrapes; 5 s leaves a margin.
                var series = await api.QueryRangeAsync(query.ExprWith(TimeSpan.FromSeconds(5)), stack.LoadStart.AddSeconds(-3), stack.LoadEnd.AddSeconds(3), TimeSpan.FromSeconds(1), CancellationToken.None)
                    .WaitAsync(Timeout);
                var finite = series.Sum(s => s.Points.Count(p => double.IsFinite(p.Value)));
                output.WriteLine($"{panel.Title} / {query.RefId}: {series.Count} series, {finite} finite points");
                if (finite == 0)
                {
                    missing.Add($"\"{panel.Title}\" {query.RefId}: {query.Expr}");
                }
            }
        }

        Assert.True(missing.Count == 0, $"panel queries without data:\n{string.Join("\n", missing)}\nprometheus:\n{stack.Prometheus.Output}");
        Assert.True(stack.Answers.GetValueOrDefault(200) > 0 && stack.Answers.GetValueOrDefault(503) > 0, "the load must be counted and shed in part");
    }

    [Theory]
    [InlineData("gateway")]
    [InlineData("backend")]
    public async Task Metrics_ProjectOwnedFamilies_PassPromtoolCheckMetrics(string app)
    {
        var target = app == "gateway" ? stack.Gateway : stack.Backends[0];
        using var client = new HttpClient { BaseAddress = target.ManagementAddress, Timeout = Timeout };
        string text;
        try
        {
            text = await client.GetStringAsync("/metrics");
        }
        catch (HttpRequestException)
        {
            output.WriteLine($"{app}'s output:\n{target.Output}");
            throw;
        }

        // The whole exposition parses (exit 1 is a parse error; 3 lists lint problems, of names we do not own too).
        var (allExit, allProblems) = await Tools.PromtoolAsync(text, Timeout, "check", "metrics");
        output.WriteLine($"promtool on all of {app}'s /metrics: exit {allExit}\n{allProblems}");
        Assert.NotEqual(1, allExit);

        // The project's own families (image_gateway_*): no problem at all.
        var owned = OwnedFamilies(text);
        Assert.Contains("image_gateway_", owned, StringComparison.Ordinal);
        var (exit, problems) = await Tools.PromtoolAsync(owned, Timeout, "check", "metrics");
        Assert.True(exit == 0 && problems.Trim().Length == 0, $"promtool check metrics on {app}'s image_gateway_* families: exit {exit}\n{problems}");
    }

    [Fact]
    public async Task PromtoolCheckMetrics_ANonCounterWithTotal_IsCaught()
    {
        // The check above can fail: the name the gateway exported before (a gauge named *_total) does.
        const string old = "# HELP gateway_throttle_permits_total The whole decode budget.\n# TYPE gateway_throttle_permits_total gauge\ngateway_throttle_permits_total 448\n";

        var (exit, problems) = await Tools.PromtoolAsync(old, Timeout, "check", "metrics");

        Assert.Equal(3, exit);
        Assert.Contains("non-counter metrics should not have \"_total\" suffix", problems, StringComparison.Ordinal);
    }

    /// <summary>The HELP, TYPE and sample lines of every family whose name starts with <c>image_gateway_</c>.</summary>
    private static string OwnedFamilies(string text)
    {
        var owned = new StringBuilder();
        foreach (var line in text.Split('\n'))
        {
            var name = line.StartsWith('#') ? line.Split(' ').ElementAtOrDefault(2) : line.Split('{', ' ')[0];
            if (name is not null && name.StartsWith("image_gateway_", StringComparison.Ordinal))
            {
                owned.Append(line).Append('\n');
            }
        }

        return owned.ToString();
    }
}
