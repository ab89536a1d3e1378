using System.Threading.Channels;
using ImageGateway.Backend.Admission;
using ImageGateway.Backend.Counting;
using ImageGateway.Backend.Memory;
using Microsoft.Extensions.Options;

namespace ImageGateway.Backend.Decoding;

/// <summary>
/// The worker pool: <see cref="DecodingOptions.Workers"/> decode workers, started eagerly with the
/// backend and each replaced when it ends, whatever ended it (a crash, a kill at its deadline, the
/// kernel's OOM killer). An upload rents one worker for its whole conversation, so killing a worker
/// costs exactly that upload; the server, its other uploads and its readiness are untouched.
/// Starting is supervised: a worker that cannot start is retried with a growing delay, and
/// <see cref="DecodingOptions.CrashLoopStarts"/> failed starts in a row make the pool unable to serve
/// (readiness fails) until one succeeds. Uploads wait for a free worker in a bounded line
/// (<see cref="AdmissionOptions.QueueRequests"/> long, for what is left of
/// <see cref="AdmissionOptions.QueueTimeout"/>), else 503.
/// </summary>
public sealed partial class DecodeWorkerPool : IHostedService, IDisposable
{
    private static readonly TimeSpan ExitWait = TimeSpan.FromSeconds(5);
    private static readonly TimeSpan MaxRestartDelay = TimeSpan.FromSeconds(5);

    private readonly DecodingOptions _options;
    private readonly AdmissionOptions _admission;
    private readonly WorkerCommand _command;
    private readonly ReadOnlyMemory<byte> _configure;
    private readonly ContainerMemory _container;
    private readonly DecodeWorkerMetrics _metrics;
    private readonly ILogger<DecodeWorkerPool> _logger;
    private readonly Channel<DecodeWorker> _idle = Channel.CreateUnbounded<DecodeWorker>();
    private readonly DecodeWorker?[] _places;
    private readonly CancellationTokenSource _stopping = new();
    private readonly Lock _lock = new();
    private int _waiting;
    private int _rented;
    private int _failedStarts;
    private int _alive;
    private int _restarting;
    private int _disposed;
    private long _endedCpuTicks;

    public DecodeWorkerPool(
        IOptions<DecodingOptions> options,
        IOptions<AdmissionOptions> admission,
        IOptions<CountingOptions> counting,
        WorkerCommand command,
        ContainerMemory container,
        DecodeWorkerMetrics metrics,
        ILogger<DecodeWorkerPool> logger)
    {
        _options = options.Value;
        _admission = admission.Value;
        _command = command;
        _container = container;
        _metrics = metrics;
        _logger = logger;
        _places = new DecodeWorker?[_options.EffectiveWorkers];
        var limits = counting.Value;
        _configure = new PayloadWriter().Int32(limits.MaxWidth).Int32(limits.MaxHeight).Int64(limits.MaxPixels).Frame(WorkerOp.Configure);
        metrics.ObserveAlive(() => Alive);
    }

    /// <summary>Worker places in the pool.</summary>
    public int Size => _places.Length;

    /// <summary>Workers running now (idle or busy).</summary>
    public int Alive => Volatile.Read(ref _alive);

    /// <summary>Places whose worker is being started or replaced now.</summary>
    public int Restarting => Volatile.Read(ref _restarting);

    /// <summary>Failed starts since the last successful one.</summary>
    public int FailedStartsInARow => Volatile.Read(ref _failedStarts);

    /// <summary>Uploads waiting for a free worker now.</summary>
    public int Waiting => Volatile.Read(ref _waiting);

    /// <summary>Uploads holding a worker now.</summary>
    public int Rented => Volatile.Read(ref _rented);

    /// <summary>Able to serve: a worker runs, or one is being started and starts have not failed <see cref="DecodingOptions.CrashLoopStarts"/> times in a row.</summary>
    public bool CanServe => Alive > 0 || (Restarting > 0 && FailedStartsInARow < _options.CrashLoopStarts);

    /// <summary>The pids of the workers running now (for the ready report and tests).</summary>
    public IReadOnlyList<int> Pids
    {
        get
        {
            lock (_lock)
            {
                return [.. _places.OfType<DecodeWorker>().Select(w => w.Pid)];
            }
        }
    }

    /// <summary>
    /// CPU time every worker this pool started has used: the running ones' now, the ended ones' as
    /// last read (a worker read while it decodes under a deadline; one that ended between reads loses
    /// what it used since the last, at most a load report's period of one worker).
    /// </summary>
    public TimeSpan CpuTime
    {
        get
        {
            lock (_lock)
            {
                var ticks = _endedCpuTicks;
                foreach (var worker in _places)
                {
                    if (worker is not null)
                    {
                        ticks += (worker.CpuTime ?? worker.LastCpuTime).Ticks;
                    }
                }

                return TimeSpan.FromTicks(ticks);
            }
        }
    }

    /// <summary>Starts every worker; fails (so the backend does not start) only when none can start.</summary>
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        WorkerLog.Starting(_logger, Size, _command.FileName, string.Join(' ', _command.Arguments), _command.HeapHardLimit ?? "none");
        var firsts = Enumerable.Range(0, Size).Select(slot => new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously)).ToArray();
        for (var slot = 0; slot < Size; slot++)
        {
            Interlocked.Increment(ref _restarting);
            _ = KeepStartingAsync(slot, firsts[slot]);
        }

        var started = await Task.WhenAll(firsts.Select(f => f.Task)).WaitAsync(cancellationToken);
        if (!started.Any(s => s))
        {
            throw new InvalidOperationException(
                $"No decode worker started ({_command.FileName} {string.Join(' ', _command.Arguments)}; {DecodingOptions.SectionName}:{nameof(DecodingOptions.WorkerHeapHardLimit)} {_command.HeapHardLimit ?? "none"}): see the worker's output above.");
        }
    }

    /// <summary>Kills every worker; uploads still waiting get 503.</summary>
    public Task StopAsync(CancellationToken cancellationToken)
    {
        _stopping.Cancel();
        _idle.Writer.TryComplete();
        lock (_lock)
        {
            foreach (var worker in _places.OfType<DecodeWorker>())
            {
                worker.Kill(WorkerEnd.Shutdown);
            }
        }

        return Task.CompletedTask;
    }

    /// <summary>Rents a free worker, waiting at most <paramref name="wait"/> in a line of at most <see cref="AdmissionOptions.QueueRequests"/>.</summary>
    /// <exception cref="AdmissionRefusedException">No worker came free in time, or the line is full (503).</exception>
    public async Task<WorkerRental> RentAsync(TimeSpan wait, CancellationToken cancellationToken)
    {
        if (TryTakeLive(out var free))
        {
            return Rent(free);
        }

        if (wait <= TimeSpan.Zero)
        {
            throw NoWorker(AdmissionRefusal.Timeout);
        }

        if (Interlocked.Increment(ref _waiting) > _admission.QueueRequests)
        {
            Interlocked.Decrement(ref _waiting);
            throw NoWorker(AdmissionRefusal.QueueFull);
        }

        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, _stopping.Token);
        timeout.CancelAfter(wait);
        try
        {
            while (true)
            {
                var worker = await _idle.Reader.ReadAsync(timeout.Token);
                if (IsUsable(worker))
                {
                    return Rent(worker);
                }
            }
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw NoWorker(AdmissionRefusal.Timeout);
        }
        catch (ChannelClosedException)
        {
            throw NoWorker(AdmissionRefusal.Timeout);
        }
        finally
        {
            Interlocked.Decrement(ref _waiting);
        }
    }

    /// <summary>
    /// Tells how <paramref name="worker"/> ended, once its pipe broke: waits for the process to exit
    /// (killing it if it lingers) and classifies the end, once for everyone who asks.
    /// </summary>
    internal Task<WorkerEnd> EndOfAsync(DecodeWorker worker) => worker.EndOnce(() => ClassifyEndAsync(worker));

    private async Task<WorkerEnd> ClassifyEndAsync(DecodeWorker worker)
    {
        var exitCode = await worker.WaitForExitAsync(ExitWait);
        if (exitCode is null)
        {
            // Its output broke but it lives on: out of step, so of no further use.
            worker.Kill(WorkerEnd.Crash);
            exitCode = await worker.WaitForExitAsync(ExitWait);
        }

        if (worker.KilledFor is not WorkerEnd.None and var killed)
        {
            return killed;
        }

        // The container ran out of memory while the worker worked (the cgroup's OOM-kill count rose):
        // whatever ended the worker, the kernel's SIGKILL or a runtime that could not get a page and
        // aborted (measured: both happen), retrying can succeed, so it is not the upload's doing.
        // Where the count cannot be read, a SIGKILL the server did not send is taken for the kernel's.
        // Anything else (SIGSEGV, SIGABRT, an exit) with no memory shortage is a crash.
        var oomKills = _container.OomKills;
        var outOfMemory = oomKills is not null && worker.OomKillsBefore is not null
            ? oomKills > worker.OomKillsBefore
            : exitCode == 128 + 9;
        return outOfMemory ? WorkerEnd.OutOfMemory : WorkerEnd.Crash;
    }

    /// <summary>Gives a worker back after an upload: to the free ones when it is whole, else it is being replaced.</summary>
    internal void Return(DecodeWorker worker)
    {
        Interlocked.Decrement(ref _rented);
        if (IsUsable(worker) && !_stopping.IsCancellationRequested)
        {
            worker.ReleaseRental();
            _idle.Writer.TryWrite(worker);
            return;
        }

        if (!worker.HasExited)
        {
            worker.Kill(WorkerEnd.Crash);
        }

        worker.ReleaseRental();
    }

    private WorkerRental Rent(DecodeWorker worker)
    {
        worker.OomKillsBefore = _container.OomKills;
        worker.MarkRented();
        Interlocked.Increment(ref _rented);
        return new WorkerRental(this, worker);
    }

    /// <summary>Kills every worker (again, after <see cref="StopAsync"/>). Idempotent: the container disposes the pool as a singleton and as the hosted service it also is.</summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        _stopping.Cancel();
        lock (_lock)
        {
            foreach (var worker in _places.OfType<DecodeWorker>())
            {
                worker.Kill(WorkerEnd.Shutdown);
            }
        }
    }

    private static bool IsUsable(DecodeWorker worker) => worker.KilledFor == WorkerEnd.None && !worker.HasExited;

    private bool TryTakeLive(out DecodeWorker worker)
    {
        while (_idle.Reader.TryRead(out worker!))
        {
            if (IsUsable(worker))
            {
                return true;
            }
        }

        return false;
    }

    private AdmissionRefusedException NoWorker(AdmissionRefusal refusal) => refusal == AdmissionRefusal.QueueFull
        ? new AdmissionRefusedException(refusal, $"All {Size} decode workers are busy and {_admission.QueueRequests} uploads already wait for one; retry shortly.")
        : new AdmissionRefusedException(refusal, $"No decode worker came free within {_admission.QueueTimeout.TotalSeconds:0.#} s (all {Size} busy); retry shortly.");

    /// <summary>
    /// Starts a worker in <paramref name="slot"/>, retrying with a growing delay until one runs or the
    /// pool stops. The caller has counted the slot in <see cref="Restarting"/> already (at the moment
    /// its worker was lost, so the pool never looks unable to serve in between); this uncounts it.
    /// </summary>
    private async Task KeepStartingAsync(int slot, TaskCompletionSource<bool>? first)
    {
        try
        {
            while (!_stopping.IsCancellationRequested)
            {
                try
                {
                    var worker = await DecodeWorker.StartAsync(_command, slot, _configure, _options.WorkerStartTimeout);
                    lock (_lock)
                    {
                        if (_stopping.IsCancellationRequested)
                        {
                            worker.Kill(WorkerEnd.Shutdown);
                            worker.Dispose();
                            first?.TrySetResult(false);
                            return;
                        }

                        _places[slot] = worker;
                        Interlocked.Increment(ref _alive);
                    }

                    Volatile.Write(ref _failedStarts, 0);
                    worker.OomKillsBefore = _container.OomKills;
                    worker.Exited += (_, _) => _ = ReplaceAsync(worker);
                    if (worker.HasExited)
                    {
                        // Exited before the handler was attached: the event will not come again.
                        _ = ReplaceAsync(worker);
                    }
                    else
                    {
                        _idle.Writer.TryWrite(worker);
                    }

                    WorkerLog.Started(_logger, slot, worker.Pid);
                    first?.TrySetResult(true);
                    return;
                }
                catch (WorkerDiedException ex)
                {
                    var failures = Interlocked.Increment(ref _failedStarts);
                    WorkerLog.StartFailed(_logger, slot, failures, ex.Message);
                    first?.TrySetResult(false);
                    first = null;
                    var delay = TimeSpan.FromMilliseconds(Math.Min(MaxRestartDelay.TotalMilliseconds, 100 * Math.Pow(2, failures - 1)));
                    try
                    {
                        await Task.Delay(delay, _stopping.Token);
                    }
                    catch (OperationCanceledException)
                    {
                        return;
                    }
                }
            }

            first?.TrySetResult(false);
        }
        finally
        {
            Interlocked.Decrement(ref _restarting);
        }
    }

    /// <summary>Once per worker, when its process has ended: counts the restart by reason and starts its successor.</summary>
    private async Task ReplaceAsync(DecodeWorker worker)
    {
        if (!worker.ClaimReplacement())
        {
            return;
        }

        lock (_lock)
        {
            if (ReferenceEquals(_places[worker.Slot], worker))
            {
                _places[worker.Slot] = null;
            }

            _endedCpuTicks += (worker.CpuTime ?? worker.LastCpuTime).Ticks;

            Interlocked.Increment(ref _restarting);
            Interlocked.Decrement(ref _alive);
        }

        try
        {
            var end = await EndOfAsync(worker);
            if (end != WorkerEnd.Shutdown)
            {
                WorkerLog.Ended(_logger, worker.Slot, worker.Pid, end);
                _metrics.Restarted(end);
            }
        }
        finally
        {
            worker.MarkEnded();
        }

        if (_stopping.IsCancellationRequested)
        {
            Interlocked.Decrement(ref _restarting);
            return;
        }

        await KeepStartingAsync(worker.Slot, null);
    }
}

/// <summary>
/// One upload's use of one worker, from rent to return: every exchange of the conversation, the
/// deadlines that kill the worker, and how the worker ended when it did. Dispose gives the worker
/// back (or leaves it to be replaced).
/// </summary>
public sealed class WorkerRental : IDisposable
{
    private readonly DecodeWorkerPool _pool;
    private bool _returned;

    internal WorkerRental(DecodeWorkerPool pool, DecodeWorker worker)
    {
        _pool = pool;
        Worker = worker;
    }

    public DecodeWorker Worker { get; }

    /// <summary>Writes one control frame.</summary>
    public void Send(ReadOnlyMemory<byte> frame) => Worker.Write(frame.Span);

    /// <summary>
    /// Sends a control frame and reads the answer, killing the worker when its work passes the
    /// deadline: more CPU time than <see cref="Deadline.Cpu"/> (<see cref="WorkerEnd.Deadline"/>), or
    /// more wall-clock time than <see cref="Deadline.Wall"/> (<see cref="WorkerEnd.Stalled"/>). The
    /// worker's CPU time is read from <c>/proc</c> only when the deadline could have been reached (a
    /// worker decodes on one thread, so its CPU time grows at most as fast as the clock, twice with
    /// the GC's and the runtime's threads), a few times per exchange: nothing while idle.
    /// </summary>
    /// <exception cref="WorkerDiedException">The worker ended first (killed, crashed, or OOM-killed); see <see cref="EndAsync"/>.</exception>
    public async Task<(WorkerOp Op, byte[] Payload)> AskAsync(ReadOnlyMemory<byte> frame, Deadline deadline)
    {
        var cpuAtStart = Worker.CpuTime;
        Worker.Write(frame.Span);
        var answer = Worker.ReadAsync().AsTask();
        var started = TimeProvider.System.GetTimestamp();
        while (!answer.IsCompleted)
        {
            var wall = TimeProvider.System.GetElapsedTime(started);
            var cpu = Worker.CpuTime - cpuAtStart;
            if (cpu >= deadline.Cpu || (cpu is null && wall >= deadline.Cpu))
            {
                Worker.Kill(WorkerEnd.Deadline);
                break;
            }

            if (wall >= deadline.Wall)
            {
                Worker.Kill(WorkerEnd.Stalled);
                break;
            }

            var cpuLeft = deadline.Cpu - (cpu ?? wall);
            var next = TimeSpan.FromTicks(Math.Min((cpuLeft / CpuThreads).Ticks, (deadline.Wall - wall).Ticks));
            await ((Task)answer).WaitAsync(next < MinimumCheck ? MinimumCheck : next, TimeProvider.System).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }

        return await answer;
    }

    /// <summary>Threads whose CPU time a busy worker can add up at once: the decoding thread and one more.</summary>
    private const int CpuThreads = 2;

    private static readonly TimeSpan MinimumCheck = TimeSpan.FromMilliseconds(10);

    /// <summary>How the worker ended, after an exchange threw <see cref="WorkerDiedException"/>.</summary>
    public Task<WorkerEnd> EndAsync() => _pool.EndOfAsync(Worker);

    public void Dispose()
    {
        if (!_returned)
        {
            _returned = true;
            _pool.Return(Worker);
        }
    }
}

internal static partial class WorkerLog
{
    [LoggerMessage(EventId = 200, Level = LogLevel.Information,
        Message = "Starting {Workers} decode workers: {Command} {Arguments} (worker GC heap hard limit {HeapHardLimit})")]
    public static partial void Starting(ILogger logger, int workers, string command, string arguments, string heapHardLimit);

    [LoggerMessage(EventId = 201, Level = LogLevel.Debug, Message = "Decode worker {Slot} started as pid {Pid}")]
    public static partial void Started(ILogger logger, int slot, int pid);

    [LoggerMessage(EventId = 202, Level = LogLevel.Warning, Message = "Decode worker {Slot} (pid {Pid}) ended: {End}; replacing it")]
    public static partial void Ended(ILogger logger, int slot, int pid, WorkerEnd end);

    [LoggerMessage(EventId = 203, Level = LogLevel.Error, Message = "Decode worker {Slot} failed to start ({FailedStarts} in a row): {Reason}")]
    public static partial void StartFailed(ILogger logger, int slot, int failedStarts, string reason);
}
