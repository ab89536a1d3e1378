namespace ImageGateway.LoadRunner.Cli;

/// <summary>
/// Reads the state file <c>deploy/run-local.sh</c> writes (<c>.run/stack.env</c>: <c>KEY=VALUE</c> lines with
/// <c>BACKEND_i_URL</c> and <c>BACKEND_i_CGROUP</c>), so a run can watch the backends it started without
/// knowing the launcher's internals.
/// </summary>
public sealed record StackEnvironment(string? GatewayUrl, IReadOnlyList<string> BackendUrls, IReadOnlyList<string> BackendCgroups)
{
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
        var cgroups = new List<string>();
        for (var i = 1; values.TryGetValue($"BACKEND_{i}_URL", out var url); i++)
        {
            urls.Add(url);
            if (values.TryGetValue($"BACKEND_{i}_CGROUP", out var cgroup) && cgroup.Length > 0)
            {
                cgroups.Add(cgroup);
            }
        }

        return new StackEnvironment(values.GetValueOrDefault("GATEWAY_URL"), urls, cgroups);
    }
}
