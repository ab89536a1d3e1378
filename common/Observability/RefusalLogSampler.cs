using System.Collections.Concurrent;
using System.Diagnostics;
using System.Diagnostics.Metrics;
using Microsoft.Extensions.Options;

namespace ImageGateway.Common.Observability;

/// <summary>
/// Keeps an attack from flooding the logs: of the refusals with one reason, only the first
/// <see cref="RefusalLogOptions.PerInterval"/> in each <see cref="RefusalLogOptions.Interval"/> are
/// logged; the rest are counted (<c>image_gateway.logging.refusals.suppressed</c>, by <c>error.type</c>)
/// and the next line logged for that reason says how many were left out before it. Every refusal is
/// still counted by its service's own decision metric; this only decides which ones get a log line.
/// </summary>
/// <remarks>
/// Reasons are the problem types and refusal names of the catalogue, a small fixed set: the state
/// per reason is never trimmed. Pass only such names, never text from the request.
/// </remarks>
public sealed class RefusalLogSampler
{
    public const string MeterName = "ImageGateway.Logging";

    private readonly ConcurrentDictionary<string, Window> _windows = new(StringComparer.Ordinal);
    private readonly TimeProvider _time;
    private readonly long _intervalTicks;
    private readonly int _perInterval;
    private readonly Counter<long> _suppressed;

    public RefusalLogSampler(IOptions<RefusalLogOptions> options, TimeProvider time, IMeterFactory meterFactory)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(meterFactory);
        _time = time;
        _perInterval = options.Value.PerInterval;
        _intervalTicks = (long)(options.Value.Interval.TotalSeconds * time.TimestampFrequency);
        _suppressed = meterFactory.Create(MeterName).CreateCounter<long>(
            "image_gateway.logging.refusals.suppressed", "{log_record}",
            "Refusals not logged because their reason already had its share of log lines in the interval, by error.type.");
    }

    /// <summary>
    /// Whether this refusal with <paramref name="reason"/> gets a log line. When it does,
    /// <paramref name="suppressedBefore"/> is how many with the same reason were left out since the
    /// last one logged (to be written in the line); when it does not, the refusal is counted.
    /// </summary>
    public bool ShouldLog(string reason, out long suppressedBefore)
    {
        ArgumentNullException.ThrowIfNull(reason);
        var window = _windows.GetOrAdd(reason, static _ => new Window());
        var now = _time.GetTimestamp();
        lock (window)
        {
            if (window.Logged == 0 || now - window.Start >= _intervalTicks)
            {
                window.Start = now;
                window.Logged = 0;
            }

            if (window.Logged < _perInterval)
            {
                window.Logged++;
                suppressedBefore = window.Suppressed;
                window.Suppressed = 0;
                return true;
            }

            window.Suppressed++;
        }

        suppressedBefore = 0;
        if (_suppressed.Enabled)
        {
            _suppressed.Add(1, new TagList { { "error.type", reason } });
        }

        return false;
    }

    private sealed class Window
    {
        public long Start;
        public int Logged;
        public long Suppressed;
    }
}
