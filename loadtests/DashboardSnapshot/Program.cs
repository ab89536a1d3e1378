using System.Globalization;
using ImageGateway.DashboardSnapshot;

// Renders deploy/observability/dashboard.json from a running Prometheus (loopback only) into one PNG:
//   dotnet run --project loadtests/DashboardSnapshot -- --prometheus http://127.0.0.1:9099 \
//     --dashboard deploy/observability/dashboard.json --from <unix seconds> [--to <unix seconds>] \
//     [--step 2s] [--rate-interval 10s] --out docs/images/dashboard.png
// deploy/observability/snapshot.sh runs the whole thing against a real stack under load.
var options = new Dictionary<string, string>(StringComparer.Ordinal);
for (var i = 0; i + 1 < args.Length; i += 2)
{
    options[args[i].TrimStart('-')] = args[i + 1];
}

if (!options.TryGetValue("prometheus", out var prometheus) || !options.TryGetValue("from", out var from) || !options.TryGetValue("out", out var output))
{
    Console.Error.WriteLine("usage: --prometheus URL --from UNIX_SECONDS [--to UNIX_SECONDS] [--dashboard FILE] [--step 2s] [--rate-interval 10s] --out FILE.png");
    return 2;
}

var prometheusUri = new Uri(prometheus);
if (!prometheusUri.IsLoopback)
{
    Console.Error.WriteLine($"{prometheus} is not a loopback address.");
    return 2;
}

var start = DateTimeOffset.FromUnixTimeSeconds(long.Parse(from, CultureInfo.InvariantCulture));
var end = options.TryGetValue("to", out var to) ? DateTimeOffset.FromUnixTimeSeconds(long.Parse(to, CultureInfo.InvariantCulture)) : DateTimeOffset.UtcNow;
var step = TimeSpan.FromSeconds(double.Parse(options.GetValueOrDefault("step", "2s").TrimEnd('s'), CultureInfo.InvariantCulture));
var rateInterval = TimeSpan.FromSeconds(double.Parse(options.GetValueOrDefault("rate-interval", "10s").TrimEnd('s'), CultureInfo.InvariantCulture));
var panels = Dashboard.Load(options.GetValueOrDefault("dashboard", "deploy/observability/dashboard.json"));

using var api = new PrometheusApi(prometheusUri);
var rendered = new List<(DashboardPanel, IReadOnlyList<(PanelQuery, IReadOnlyList<Series>)>)>();
foreach (var panel in panels)
{
    var results = new List<(PanelQuery, IReadOnlyList<Series>)>();
    foreach (var query in panel.Queries)
    {
        results.Add((query, await api.QueryRangeAsync(query.ExprWith(rateInterval), start, end, step, CancellationToken.None)));
    }

    rendered.Add((panel, results));
}

SnapshotRenderer.Render(rendered, start, end, output, $"{start:u} to {end:u}, step {step.TotalSeconds} s, $__rate_interval {rateInterval.TotalSeconds} s");
return 0;
