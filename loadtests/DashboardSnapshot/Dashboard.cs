using System.Text.Json;

namespace ImageGateway.DashboardSnapshot;

/// <summary>One query of a panel, as Grafana sends it to Prometheus.</summary>
public sealed record PanelQuery(string RefId, string Expr, string Legend)
{
    /// <summary>The query with Grafana's <c>$__rate_interval</c> replaced, as Grafana does before sending it.</summary>
    public string ExprWith(TimeSpan rateInterval) =>
        Expr.Replace("$__rate_interval", $"{(int)rateInterval.TotalSeconds}s", StringComparison.Ordinal);
}

/// <summary>One panel of deploy/observability/dashboard.json.</summary>
public sealed record DashboardPanel(int Id, string Title, string Unit, IReadOnlyList<PanelQuery> Queries);

/// <summary>Reads the Grafana dashboard JSON: the one place the product's queries are written.</summary>
public static class Dashboard
{
    public static IReadOnlyList<DashboardPanel> Load(string path)
    {
        using var document = JsonDocument.Parse(File.ReadAllText(path));
        var panels = new List<DashboardPanel>();
        foreach (var panel in document.RootElement.GetProperty("panels").EnumerateArray())
        {
            var unit = panel.TryGetProperty("fieldConfig", out var config) && config.GetProperty("defaults").TryGetProperty("unit", out var u)
                ? u.GetString() ?? "none"
                : "none";
            var queries = panel.GetProperty("targets").EnumerateArray()
                .Select(t => new PanelQuery(t.GetProperty("refId").GetString()!, t.GetProperty("expr").GetString()!,
                    t.TryGetProperty("legendFormat", out var legend) ? legend.GetString() ?? "" : ""))
                .ToList();
            panels.Add(new DashboardPanel(panel.GetProperty("id").GetInt32(), panel.GetProperty("title").GetString()!, unit, queries));
        }

        return panels;
    }
}
