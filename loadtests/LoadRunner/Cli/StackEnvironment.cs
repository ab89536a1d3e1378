namespace ImageGateway.LoadRunner.Cli;

/// <summary>
/// Reads the state file <c>deploy/run-local.sh</c> writes (<c>.run/stack.env</c>: <c>KEY=VALUE</c> lines with
/// <c>BACKEND_i_URL</c>, <c>BACKEND_i_MANAGEMENT_URL</c>, <c>BACKEND_i_CGROUP</c> and
/// <c>GATEWAY_MANAGEMENT_URL</c>), so a run can watch the stack it started without knowing the
/// launcher's internals. <c>/metrics</c> is served on each app's management port.
/// </summary>
public sealed record StackEnvironment(string? GatewayUrl, IReadOnlyList<string> BackendUrls, IReadOnlyList<string> BackendCgroups)
{
    /// <summary>The gateway's <c>/metrics</c>, when the file names its management port.</summary>
    public string? GatewayMetricsUrl { get; init; }

    /// <summary>Every backend's <c>/metrics</c> on its management port.</summary>
    public IReadOnlyList<string> BackendMetricsUrls { get; init; } = [];

    public static StackEnvironment Parse(IEnumerable<string> lines)
    {
        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var line in lines)
        {
            var equals = line.IndexOf('=', StringComparison.Ordinal);
            if (equals > 0 && !line.TrimStart().StartsWith('#'))
            {
                values[line[..equals].Trim()] = line[(equals + 1)..].Trim().Trim('"');
            }
        }

        var urls = new List<string>();
        var metrics = new List<string>();
        var cgroups = new List<string>();
        for (var i = 1; values.TryGetValue($"BACKEND_{i}_URL", out var url); i++)
        {
            urls.Add(url);
            if (values.TryGetValue($"BACKEND_{i}_MANAGEMENT_URL", out var management) && management.Length > 0)
            {
                metrics.Add(MetricsUrl(management));
            }

            if (values.TryGetValue($"BACKEND_{i}_CGROUP", out var cgroup) && cgroup.Length > 0)
            {
                cgroups.Add(cgroup);
            }
        }

        return new StackEnvironment(values.GetValueOrDefault("GATEWAY_URL"), urls, cgroups)
        {
            GatewayMetricsUrl = values.TryGetValue("GATEWAY_MANAGEMENT_URL", out var gateway) && gateway.Length > 0 ? MetricsUrl(gateway) : null,
            BackendMetricsUrls = metrics,
        };
    }

    private static string MetricsUrl(string managementUrl) => new Uri(new Uri(managementUrl), "/metrics").ToString();
}
