using System.Globalization;
using System.Text.Json;

namespace ImageGateway.DashboardSnapshot;

/// <summary>One series of a range query: its labels and its (time, value) points.</summary>
public sealed record Series(IReadOnlyDictionary<string, string> Labels, IReadOnlyList<(DateTimeOffset Time, double Value)> Points)
{
    /// <summary>The legend as Grafana writes it: <c>{{label}}</c> replaced by the label's value.</summary>
    public string Legend(string format)
    {
        var text = format;
        foreach (var (name, value) in Labels)
        {
            text = text.Replace("{{" + name + "}}", value, StringComparison.Ordinal);
        }

        return System.Text.RegularExpressions.Regex.Replace(text, @"\{\{[^}]*\}\}", "").Trim() is { Length: > 0 } legend
            ? legend
            : string.Join(",", Labels.Where(l => l.Key != "__name__").Select(l => $"{l.Key}={l.Value}"));
    }
}

/// <summary>Prometheus's HTTP API (<c>/api/v1/query_range</c>), what Grafana's panels call.</summary>
public sealed class PrometheusApi(Uri baseAddress) : IDisposable
{
    private readonly HttpClient _client = new() { BaseAddress = baseAddress, Timeout = TimeSpan.FromSeconds(30) };

    /// <summary>Runs <paramref name="expr"/> over a range; throws with Prometheus's error when the query fails.</summary>
    public async Task<IReadOnlyList<Series>> QueryRangeAsync(string expr, DateTimeOffset start, DateTimeOffset end, TimeSpan step, CancellationToken cancellationToken)
    {
        var query = string.Create(CultureInfo.InvariantCulture,
            $"/api/v1/query_range?query={Uri.EscapeDataString(expr)}&start={start.ToUnixTimeMilliseconds() / 1000.0}&end={end.ToUnixTimeMilliseconds() / 1000.0}&step={step.TotalSeconds}");
        using var response = await _client.GetAsync(query, cancellationToken);
        var body = await response.Content.ReadAsStringAsync(cancellationToken);
        using var json = JsonDocument.Parse(body);
        var root = json.RootElement;
        if (root.GetProperty("status").GetString() != "success")
        {
            throw new InvalidOperationException($"Prometheus refused '{expr}': {root.GetProperty("error").GetString()}");
        }

        var series = new List<Series>();
        foreach (var item in root.GetProperty("data").GetProperty("result").EnumerateArray())
        {
            var labels = item.GetProperty("metric").EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetString() ?? "");
            var points = item.GetProperty("values").EnumerateArray()
                .Select(v => (DateTimeOffset.FromUnixTimeMilliseconds((long)(v[0].GetDouble() * 1000)),
                    double.Parse(v[1].GetString()!, NumberStyles.Float, CultureInfo.InvariantCulture)))
                .ToList();
            series.Add(new Series(labels, points));
        }

        return series;
    }

    public void Dispose() => _client.Dispose();
}
