using ImageGateway.Backend.Decoding;

namespace ImageGateway.Backend.LoadReports;

/// <summary>
/// The backend's CPU use, the server's and its decode workers' (<see cref="DecodeWorkerPool.CpuTime"/>:
/// decoding runs there), as a fraction of the machine's CPUs, over the last period of at least
/// <see cref="Period"/>; sampled lazily when a report is written (two clock reads per report).
/// </summary>
internal sealed class CpuUtilization(TimeProvider time, DecodeWorkerPool workers)
{
    public static readonly TimeSpan Period = TimeSpan.FromSeconds(1);

    private readonly Lock _lock = new();
    private long _sampledAt = time.GetTimestamp();
    private TimeSpan _cpuAt = Environment.CpuUsage.TotalTime + workers.CpuTime;
    private double _current;

    public double Current
    {
        get
        {
            var now = time.GetTimestamp();
            if (time.GetElapsedTime(Volatile.Read(ref _sampledAt), now) < Period)
            {
                return Volatile.Read(ref _current);
            }

            lock (_lock)
            {
                var elapsed = time.GetElapsedTime(_sampledAt, now);
                if (elapsed >= Period)
                {
                    var cpu = Environment.CpuUsage.TotalTime + workers.CpuTime;
                    Volatile.Write(ref _current, Math.Clamp((cpu - _cpuAt) / elapsed / Environment.ProcessorCount, 0, 1));
                    _cpuAt = cpu;
                    Volatile.Write(ref _sampledAt, now);
                }

                return _current;
            }
        }
    }
}
