using System.Globalization;
using System.Text.RegularExpressions;

namespace ImageGateway.LoadRunner.Sampling;

/// <summary>
/// Reads the Prometheus text exposition format: the sum over all label sets of each metric whose name
/// matches a filter. Comments, malformed lines and non-finite values are skipped.
/// </summary>
public static class PrometheusText
{
    public static Dictionary<string, double> Sum(string text, Regex nameFilter)
    {
        var sums = new Dictionary<string, double>(StringComparer.Ordinal);
        foreach (var raw in text.Split('\n'))
        {
            var line = raw.Trim();
            if (line.Length == 0 || line[0] == '#')
            {
                continue;
            }

            var nameEnd = line.IndexOfAny(['{', ' ']);
            if (nameEnd <= 0)
            {
                continue;
            }

            var name = line[..nameEnd];
            var valueStart = line[nameEnd] == '{' ? line.IndexOf('}', nameEnd) + 1 : nameEnd;
            if (valueStart <= 0 || !nameFilter.IsMatch(name))
            {
                continue;
            }

            var fields = line[valueStart..].Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (fields.Length > 0 && double.TryParse(fields[0], NumberStyles.Float, CultureInfo.InvariantCulture, out var value) && double.IsFinite(value))
            {
                sums[name] = sums.GetValueOrDefault(name) + value;
            }
        }

        return sums;
    }
}
