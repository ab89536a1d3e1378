using System.Globalization;

namespace ImageGateway.Resilience.Tests.Support;

/// <summary>A process's resident memory, from <c>/proc/PID/status</c>.</summary>
public static class ProcessMemory
{
    public static long RssBytes(int pid)
    {
        foreach (var line in File.ReadLines($"/proc/{pid}/status"))
        {
            if (line.StartsWith("VmRSS:", StringComparison.Ordinal))
            {
                return long.Parse(line[6..].Trim().Split(' ')[0], CultureInfo.InvariantCulture) * 1024;
            }
        }

        return 0;
    }

    /// <summary>The highest RSS seen, sampling every <paramref name="interval"/> until cancelled.</summary>
    public static async Task<long> SamplePeakAsync(int pid, TimeSpan interval, CancellationToken stop)
    {
        long peak = 0;
        while (!stop.IsCancellationRequested)
        {
            peak = Math.Max(peak, RssBytes(pid));
            try
            {
                await Task.Delay(interval, stop);
            }
            catch (OperationCanceledException)
            {
                break;
            }
        }

        return Math.Max(peak, RssBytes(pid));
    }
}
