using System.Globalization;
using System.Text;

namespace ImageGateway.Common.LoadReports;

/// <summary>
/// A backend's load report: its decode budget and what of it is reserved and queued, sent as an ORCA
/// (Open Request Cost Aggregation, the xDS <c>OrcaLoadReport</c>) <c>endpoint-load-metrics</c> header
/// in the TEXT form that Envoy and gRPC read:
/// <c>TEXT cpu_utilization=0.25, mem_utilization=0.5, named_metrics.budget_bytes=14680064, ...</c>.
/// The one home of the format: the backend writes it with <see cref="Format"/>, the gateway reads it
/// with <see cref="TryParse"/>. Written by hand: it is a dozen lines of text, no .NET ORCA library exists,
/// and the backend is Native AOT.
/// </summary>
/// <param name="BudgetBytes">The backend's decode budget (<c>named_metrics.budget_bytes</c>).</param>
/// <param name="ReservedBytes">Bytes of the budget reserved by requests now (<c>named_metrics.reserved_bytes</c>).</param>
/// <param name="QueuedBytes">Bytes of work waiting in the backend's admission queue (<c>named_metrics.queued_bytes</c>).</param>
/// <param name="CpuUtilization">The backend's CPU use (a backend: its server and decode workers) over the last sampling period, as a fraction of the machine's CPUs (<c>cpu_utilization</c>).</param>
/// <param name="DecodeSlots">
/// How many uploads the backend takes at once whatever their size (<c>named_metrics.decode_slots</c>;
/// 0: no such bound). Each upload there holds at least <see cref="SlotBytes"/> of the budget, in the
/// backend's report and in a gateway's books alike: a backend decodes one upload per worker, so a
/// thumbnail takes a worker as a photo does, and bytes alone would send it more than it can start.
/// </param>
public sealed record LoadReport(long BudgetBytes, long ReservedBytes, long QueuedBytes, double CpuUtilization = 0, int DecodeSlots = 0)
{
    /// <summary>The header ORCA reports travel in (Envoy <c>kEndpointLoadMetricsHeader</c>).</summary>
    public const string HeaderName = "endpoint-load-metrics";

    /// <summary>The prefix of the TEXT (native HTTP) form.</summary>
    public const string TextPrefix = "TEXT ";

    public const string BudgetMetric = "budget_bytes";
    public const string ReservedMetric = "reserved_bytes";
    public const string QueuedMetric = "queued_bytes";
    public const string SlotsMetric = "decode_slots";

    private const string NamedMetricsPrefix = "named_metrics.";
    private const string UtilizationPrefix = "utilization.";

    // The report's standard fields (xds.data.orca.v3.OrcaLoadReport); any other plain name is an error.
    private static readonly string[] StandardFields = ["cpu_utilization", "mem_utilization", "application_utilization", "eps", "rps_fractional"];

    /// <summary>The reserved share of the budget, 0..1 (<c>mem_utilization</c>).</summary>
    public double MemoryUtilization => BudgetBytes <= 0 ? 1 : Math.Clamp((double)ReservedBytes / BudgetBytes, 0, 1);

    /// <summary>The least of the budget one upload holds there: the budget over <see cref="DecodeSlots"/>; 0 without slots.</summary>
    public long SlotBytes => DecodeSlots > 0 ? BudgetBytes / DecodeSlots : 0;

    /// <summary>What is neither reserved nor queued, never negative.</summary>
    public long FreeBytes => Math.Max(0, BudgetBytes - ReservedBytes - QueuedBytes);

    /// <summary>The header value, in the TEXT form.</summary>
    public string Format()
    {
        var text = new StringBuilder(160);
        text.Append(TextPrefix)
            .Append(CultureInfo.InvariantCulture, $"cpu_utilization={Math.Round(Math.Max(0, CpuUtilization), 4)}, ")
            .Append(CultureInfo.InvariantCulture, $"mem_utilization={Math.Round(MemoryUtilization, 4)}, ")
            .Append(CultureInfo.InvariantCulture, $"{NamedMetricsPrefix}{BudgetMetric}={BudgetBytes}, ")
            .Append(CultureInfo.InvariantCulture, $"{NamedMetricsPrefix}{ReservedMetric}={ReservedBytes}, ")
            .Append(CultureInfo.InvariantCulture, $"{NamedMetricsPrefix}{QueuedMetric}={QueuedBytes}");
        if (DecodeSlots > 0)
        {
            text.Append(CultureInfo.InvariantCulture, $", {NamedMetricsPrefix}{SlotsMetric}={DecodeSlots}");
        }

        return text.ToString();
    }

    /// <summary>
    /// Parses a header value by the TEXT form's rules as Envoy's <c>orca_parser.cc</c> applies them: the
    /// <c>TEXT </c> prefix, then comma-separated <c>name=value</c> (or <c>name:value</c>) entries with
    /// optional whitespace; a value is a finite, non-negative number; a name is a standard field,
    /// <c>named_metrics.KEY</c> or <c>utilization.KEY</c> with a non-empty key; no name twice. Every
    /// metrics map is read into <paramref name="metrics"/> (named metrics with their prefix).
    /// </summary>
    /// <returns>Null when the value is well formed; else why not.</returns>
    public static string? TryParseMetrics(string? value, out Dictionary<string, double> metrics)
    {
        metrics = new Dictionary<string, double>(StringComparer.Ordinal);
        if (value is null || !value.StartsWith(TextPrefix, StringComparison.Ordinal))
        {
            var prefix = (value ?? string.Empty)[..Math.Min(5, value?.Length ?? 0)];
            return $"unsupported ORCA header format: {prefix.Split(' ')[0]}";
        }

        foreach (var raw in value[TextPrefix.Length..].Split(','))
        {
            var entry = raw.Trim();
            if (entry.Length == 0)
            {
                continue; // empty list elements are skipped, as in HTTP's comma-delimited lists
            }

            var separator = entry.IndexOfAny(['=', ':']);
            var name = (separator < 0 ? entry : entry[..separator]).Trim();
            var text = separator < 0 ? string.Empty : entry[(separator + 1)..].Trim();
            if (name.Length == 0)
            {
                return "metric names cannot be empty strings";
            }

            if (text.Length == 0)
            {
                return "metric values cannot be empty strings";
            }

            if (!TryParseNumber(text, out var number))
            {
                return $"unable to parse custom backend load metric value({name}): {text}";
            }

            if (double.IsNaN(number))
            {
                return $"custom backend load metric value({name}) cannot be NaN.";
            }

            if (double.IsInfinity(number))
            {
                return $"custom backend load metric value({name}) cannot be infinity.";
            }

            if (number < 0)
            {
                return $"custom backend load metric value({name}) cannot be negative.";
            }

            if (name.StartsWith(NamedMetricsPrefix, StringComparison.Ordinal) && name.Length == NamedMetricsPrefix.Length)
            {
                return "named metric key is empty.";
            }

            if (name.StartsWith(UtilizationPrefix, StringComparison.Ordinal) && name.Length == UtilizationPrefix.Length)
            {
                return "utilization metric key is empty.";
            }

            if (!name.StartsWith(NamedMetricsPrefix, StringComparison.Ordinal)
                && !name.StartsWith(UtilizationPrefix, StringComparison.Ordinal)
                && Array.IndexOf(StandardFields, name) < 0)
            {
                return $"unsupported metric name: {name}";
            }

            if (!metrics.TryAdd(name, number))
            {
                return $"{HeaderName} contains duplicate metric: {name}";
            }
        }

        return null;
    }

    /// <summary>
    /// Reads our report from a header value: a well-formed TEXT report (<see cref="TryParseMetrics"/>)
    /// with at least <c>named_metrics.budget_bytes</c>; reserved and queued bytes and decode slots default to 0.
    /// </summary>
    public static bool TryParse(string? value, out LoadReport report)
    {
        report = new LoadReport(0, 0, 0);
        if (TryParseMetrics(value, out var metrics) is not null
            || !metrics.TryGetValue(NamedMetricsPrefix + BudgetMetric, out var budget))
        {
            return false;
        }

        report = new LoadReport(
            Bytes(budget),
            Bytes(metrics.GetValueOrDefault(NamedMetricsPrefix + ReservedMetric)),
            Bytes(metrics.GetValueOrDefault(NamedMetricsPrefix + QueuedMetric)),
            metrics.GetValueOrDefault("cpu_utilization"),
            (int)Math.Min(int.MaxValue, Bytes(metrics.GetValueOrDefault(NamedMetricsPrefix + SlotsMetric))));
        return true;
    }

    /// <summary>A number as C's strtod (absl::SimpleAtod) reads it: decimal or exponent form, and inf/infinity/nan in any case.</summary>
    private static bool TryParseNumber(string text, out double number)
    {
        var unsigned = text.TrimStart('+', '-');
        var negative = text.StartsWith('-');
        if (unsigned.Equals("inf", StringComparison.OrdinalIgnoreCase) || unsigned.Equals("infinity", StringComparison.OrdinalIgnoreCase))
        {
            number = negative ? double.NegativeInfinity : double.PositiveInfinity;
            return text.Length - unsigned.Length <= 1;
        }

        if (unsigned.Equals("nan", StringComparison.OrdinalIgnoreCase))
        {
            number = double.NaN;
            return text.Length - unsigned.Length <= 1;
        }

        return double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out number);
    }

    private static long Bytes(double value) => value >= long.MaxValue ? long.MaxValue : (long)value;
}
