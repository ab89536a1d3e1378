using System.Buffers;
using System.Diagnostics;
using System.Threading.Channels;

namespace ImageGateway.Backend.Decoding;

/// <summary>
/// The server's handle on one decode worker process: its pipes, its pid and how it ended. Used by
/// one upload at a time (the pool hands it out); every read and write that finds the process gone
/// throws <see cref="WorkerDiedException"/>. Reads take no cancellation token: a caller that must
/// stop waiting kills the process (<see cref="Kill"/>), which ends the read at once whatever the
/// pipe's support for cancellation.
/// </summary>
public sealed class DecodeWorker : IDisposable
{
    private readonly Process _process;
    private readonly Stream _input;
    private readonly Stream _output;
    private readonly Channel<(WorkerOp Op, byte[] Payload)> _answers = Channel.CreateUnbounded<(WorkerOp, byte[])>(new UnboundedChannelOptions { SingleReader = true, SingleWriter = true });
    private readonly Lock _lock = new();
    private int _killReason = (int)WorkerEnd.None;
    private bool _rented;
    private bool _ended;
    private bool _disposed;
    private Task<WorkerEnd>? _end;
    private int _replacementClaimed;

    private DecodeWorker(Process process, int slot)
    {
        _process = process;
        _input = process.StandardInput.BaseStream;
        _output = process.StandardOutput.BaseStream;
        Slot = slot;
        Pid = process.Id;
        new Thread(ReadAnswers) { IsBackground = true, Name = $"decode worker {Pid} answers" }.Start();
    }

    /// <summary>Which of the pool's places this worker fills.</summary>
    public int Slot { get; }

    public int Pid { get; }

    /// <summary>True once the process has ended (or its handle was let go, which happens only after it ended).</summary>
    public bool HasExited
    {
        get
        {
            try
            {
                return Volatile.Read(ref _disposed) || _process.HasExited;
            }
            catch (InvalidOperationException)
            {
                return true;
            }
        }
    }

    /// <summary>Why the server killed it, or <see cref="WorkerEnd.None"/>.</summary>
    public WorkerEnd KilledFor => (WorkerEnd)Volatile.Read(ref _killReason);

    /// <summary>Raised once when the process has ended, however it ended.</summary>
    public event EventHandler? Exited;

    /// <summary>The cgroup's OOM-kill count when the worker was last started or rented: a SIGKILL while it rose was the kernel's.</summary>
    internal long? OomKillsBefore { get; set; }

    /// <summary>How it ended, worked out once (<paramref name="classify"/> runs on the first call) for everyone who asks.</summary>
    internal Task<WorkerEnd> EndOnce(Func<Task<WorkerEnd>> classify)
    {
        lock (_lock)
        {
            return _end ??= classify();
        }
    }

    /// <summary>True for the first caller only: the one that replaces this worker in the pool.</summary>
    internal bool ClaimReplacement() => Interlocked.Exchange(ref _replacementClaimed, 1) == 0;

    /// <summary>An upload holds it: its pipes stay open until the upload lets go, even if the process ended.</summary>
    internal void MarkRented()
    {
        lock (_lock)
        {
            _rented = true;
        }
    }

    /// <summary>The upload let go; a worker that has ended is disposed now.</summary>
    internal void ReleaseRental()
    {
        lock (_lock)
        {
            _rented = false;
            DisposeIfDone();
        }
    }

    /// <summary>The pool has replaced it; disposed now unless an upload still holds it.</summary>
    internal void MarkEnded()
    {
        lock (_lock)
        {
            _ended = true;
            DisposeIfDone();
        }
    }

    /// <summary>Starts the worker process and waits for its Ready answer to <see cref="WorkerOp.Configure"/>.</summary>
    /// <exception cref="WorkerDiedException">It ended, or said nothing, within <paramref name="timeout"/>.</exception>
    public static async Task<DecodeWorker> StartAsync(WorkerCommand command, int slot, ReadOnlyMemory<byte> configure, TimeSpan timeout)
    {
        ArgumentNullException.ThrowIfNull(command);
        var process = new Process { StartInfo = command.StartInfo(), EnableRaisingEvents = true };
        if (!process.Start())
        {
            process.Dispose();
            throw new WorkerDiedException("the decode worker process did not start");
        }

        var worker = new DecodeWorker(process, slot);
        process.Exited += (_, _) => worker.Exited?.Invoke(worker, EventArgs.Empty);
        using var timer = new CancellationTokenSource(timeout);
        await using var kill = timer.Token.Register(() => worker.Kill(WorkerEnd.StartTimeout));
        try
        {
            worker.Write(configure.Span);
            var (op, payload) = await worker.ReadAsync();
            if (op != WorkerOp.Ready || new PayloadReader(payload).Int32() != WorkerProtocol.Version)
            {
                throw new WorkerDiedException($"the decode worker answered {op} to Configure, not Ready with protocol version {WorkerProtocol.Version}");
            }

            return worker;
        }
        catch
        {
            worker.Kill(WorkerEnd.StartTimeout);
            worker.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Writes one whole frame. Synchronously, like <see cref="WriteBody"/>: .NET has no asynchronous
    /// writes on anonymous pipes on Unix (its async write is a blocking write queued to the thread
    /// pool, one at a time), and under load each of a body's thousand-odd segment writes waited its
    /// turn in the pool's queue (measured: a 5 MiB body took seconds). The worker reads its input
    /// without pause, so a write returns as soon as the 64 KiB pipe has room.
    /// </summary>
    public void Write(ReadOnlySpan<byte> frame)
    {
        try
        {
            _input.Write(frame);
        }
        catch (IOException ex)
        {
            throw new WorkerDiedException("the decode worker closed its input", ex);
        }
        catch (ObjectDisposedException ex)
        {
            throw new WorkerDiedException("the decode worker is gone", ex);
        }
    }

    /// <summary>Writes <paramref name="data"/> as one <see cref="WorkerOp.BodyData"/> frame, segment by segment, without copying it.</summary>
    public void WriteBody(ReadOnlySequence<byte> data)
    {
        Span<byte> header = stackalloc byte[WorkerProtocol.HeaderBytes];
        WorkerProtocol.WriteHeader(header, WorkerOp.BodyData, checked((int)data.Length));
        Write(header);
        foreach (var segment in data)
        {
            Write(segment.Span);
        }
    }

    /// <summary>Reads the worker's next answer.</summary>
    /// <exception cref="WorkerDiedException">The worker ended (or was killed) before a whole answer came.</exception>
    public async ValueTask<(WorkerOp Op, byte[] Payload)> ReadAsync()
    {
        try
        {
            return await _answers.Reader.ReadAsync();
        }
        catch (ChannelClosedException ex)
        {
            throw new WorkerDiedException($"the decode worker's output ended ({ex.InnerException?.Message ?? "closed"})", ex.InnerException);
        }
    }

    /// <summary>
    /// Reads answers on a thread of its own. The worker's stdout is an anonymous pipe, and .NET has
    /// no asynchronous reads on those on Unix (its async read is a blocking read on a pool thread):
    /// a decode of up to the deadline would hold a thread-pool thread per busy worker and starve
    /// Kestrel on a one- or two-core container. One blocked thread per worker, costing no CPU, does not.
    /// </summary>
    private void ReadAnswers()
    {
        var header = new byte[WorkerProtocol.HeaderBytes];
        try
        {
            while (true)
            {
                if (_output.ReadAtLeast(header, header.Length, throwOnEndOfStream: false) < header.Length)
                {
                    _answers.Writer.TryComplete(new EndOfStreamException("end of output"));
                    return;
                }

                var (op, length) = WorkerProtocol.ReadHeader(header);
                if (length > WorkerProtocol.MaxControlPayloadBytes)
                {
                    throw new InvalidDataException($"a {length}-byte answer");
                }

                var payload = new byte[length];
                _output.ReadExactly(payload);
                _answers.Writer.TryWrite((op, payload));
            }
        }
        catch (Exception ex) when (ex is IOException or InvalidDataException or ObjectDisposedException)
        {
            _answers.Writer.TryComplete(ex);
        }
    }

    /// <summary>
    /// CPU time (user and system, all threads) the worker has used so far, from <c>/proc/PID/stat</c>;
    /// null where that cannot be read (not Linux, or the process is gone).
    /// </summary>
    public TimeSpan? CpuTime
    {
        get
        {
            try
            {
                // The command name (field 2) is in parentheses and may hold spaces: count fields after its ')'.
                var stat = File.ReadAllText($"/proc/{Pid}/stat");
                var fields = stat.AsSpan(stat.LastIndexOf(')') + 2);
                Span<Range> parts = stackalloc Range[14];
                if (fields.Split(parts, ' ') < 14)
                {
                    return null;
                }

                var ticks = long.Parse(fields[parts[11]], System.Globalization.CultureInfo.InvariantCulture)
                    + long.Parse(fields[parts[12]], System.Globalization.CultureInfo.InvariantCulture);
                var cpu = TimeSpan.FromSeconds(ticks / ClockTicksPerSecond);
                LastCpuTime = cpu;
                return cpu;
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or FormatException)
            {
                return null;
            }
        }
    }

    /// <summary>The <see cref="CpuTime"/> last read (zero before the first read): what is known of a worker once it is gone.</summary>
    public TimeSpan LastCpuTime { get; private set; }

    /// <summary>USER_HZ, the unit of <c>/proc/PID/stat</c> times: 100 on every Linux ABI .NET runs on.</summary>
    private const double ClockTicksPerSecond = 100;

    /// <summary>Kills the process (SIGKILL) and remembers why; the first reason given is kept.</summary>
    public void Kill(WorkerEnd reason)
    {
        Interlocked.CompareExchange(ref _killReason, (int)reason, (int)WorkerEnd.None);
        try
        {
            _process.Kill();
        }
        catch (InvalidOperationException)
        {
            // Already gone.
        }
    }

    /// <summary>Waits for the process to end (after a broken pipe it is ending) and returns its exit code, or null if it lingers.</summary>
    public async Task<int?> WaitForExitAsync(TimeSpan timeout)
    {
        using var timer = new CancellationTokenSource(timeout);
        try
        {
            await _process.WaitForExitAsync(timer.Token);
            return _process.ExitCode;
        }
        catch (OperationCanceledException)
        {
            return null;
        }
    }

    private void DisposeIfDone()
    {
        if (_ended && !_rented && !_disposed)
        {
            _disposed = true;
            Dispose();
        }
    }

    public void Dispose()
    {
        try
        {
            _input.Dispose();
        }
        catch (IOException)
        {
            // The worker is gone; nothing to flush to.
        }

        _output.Dispose();
        _process.Dispose();
    }
}

/// <summary>How a worker ended, as far as the server knows.</summary>
public enum WorkerEnd
{
    None,

    /// <summary>Killed by the pool: its work used more CPU time than its deadline allows (the upload's own doing).</summary>
    Deadline,

    /// <summary>Killed by the pool: its work took longer than the stall timeout in wall-clock time without using its CPU deadline (a starved or thrashing backend, not the upload).</summary>
    Stalled,

    /// <summary>Killed by the pool: it did not start in time.</summary>
    StartTimeout,

    /// <summary>Killed by the pool: the backend is stopping.</summary>
    Shutdown,

    /// <summary>Killed by the kernel's OOM killer (the cgroup's <c>oom_kill</c> count rose).</summary>
    OutOfMemory,

    /// <summary>It ended on its own: a crash, or an exit nobody asked for.</summary>
    Crash,
}

/// <summary>The worker process ended, or broke the protocol, in the middle of a conversation.</summary>
public sealed class WorkerDiedException(string message, Exception? inner = null) : Exception(message, inner);
