using System.Diagnostics;

namespace ImageGateway.TestSupport.Load;

/// <summary>
/// The one load loop: the load runner, the gateway benchmark and the resilience tests all send through
/// it. Runs phases one after another against an <see cref="IUploadSender"/>. Open phases send on the
/// <see cref="OpenSchedule"/> (a constant or linearly ramping rate) and measure latency from each
/// request's intended send time; closed phases run N users back to back, a ramping phase starting and
/// stopping users on the line from its start to its end level (<see cref="Phase.UserWindow"/>); a user
/// waits the phase's <see cref="Phase.Pause"/> after each answer, or the answer's <c>Retry-After</c> when
/// that is longer and <paramref name="honourRetryAfter"/>, as a well-behaved client does. When a phase
/// ends (or the run is stopped), every request it sent is awaited (each is bounded by the sender's
/// timeout), so every request sent ends in exactly one <see cref="ILoadObserver{T}.OnAnswered"/>, or is
/// lost to a bug of the caller (<see cref="LastError"/>).
/// </summary>
/// <param name="sender">Sends one upload; the client does not own it.</param>
/// <param name="maxInFlight">Open model: the most requests in flight at once (a request due while all are busy waits, and its wait counts in its latency).</param>
/// <param name="seed">Seeds each phase's (and closed user's) <see cref="Random"/> passed to the item picker.</param>
/// <param name="honourRetryAfter">Closed model: wait an answer's <c>Retry-After</c> before the user's next request.</param>
public sealed class LoadClient(IUploadSender sender, int maxInFlight = 1024, int seed = 0, bool honourRetryAfter = false)
{
    private readonly long _start = Stopwatch.GetTimestamp();
    private long _measuredStart = -1;

    /// <summary>The phase running now, for live progress.</summary>
    public Phase? CurrentPhase { get; private set; }

    /// <summary>Time since the client was made: the clock of <see cref="UploadOutcome.Start"/>.</summary>
    public TimeSpan Elapsed => Stopwatch.GetElapsedTime(_start);

    /// <summary>Time since the first counted phase began; zero before.</summary>
    public TimeSpan MeasuredElapsed => _measuredStart < 0 ? TimeSpan.Zero : Stopwatch.GetElapsedTime(_measuredStart);

    /// <summary>The last unexpected error of a sender or observer, shown when requests were lost.</summary>
    public Exception? LastError { get; private set; }

    /// <summary>Sends <paramref name="upload"/> again and again through <paramref name="phases"/>.</summary>
    public Task RunAsync(IReadOnlyList<Phase> phases, Upload upload, ILoadObserver<Upload> observer, CancellationToken stop) =>
        RunAsync(phases, _ => upload, static u => u, observer, stop);

    /// <summary>
    /// Runs <paramref name="phases"/>, each request made from the item <paramref name="next"/> picks.
    /// <paramref name="stop"/> ends scheduling early (Ctrl-C, a test's end); requests already sent still
    /// finish and are observed.
    /// </summary>
    public async Task RunAsync<T>(IReadOnlyList<Phase> phases, Func<Random, T> next, Func<T, Upload> uploadOf, ILoadObserver<T> observer, CancellationToken stop)
    {
        var work = new Work<T>(next, uploadOf, observer);
        foreach (var phase in phases)
        {
            if (stop.IsCancellationRequested)
            {
                break;
            }

            CurrentPhase = phase;
            if (phase.Counted && _measuredStart < 0)
            {
                _measuredStart = Stopwatch.GetTimestamp();
            }

            await (phase.Model == LoadModel.Open
                ? RunOpenAsync(phase, work, stop)
                : RunClosedAsync(phase, work, stop));
        }

        CurrentPhase = null;
    }

    private async Task RunOpenAsync<T>(Phase phase, Work<T> work, CancellationToken stop)
    {
        var schedule = new OpenSchedule(phase.Rate, phase.Duration, phase.RampTo);
        var random = new Random(HashCode.Combine(seed, phase.Name));
        using var slots = new SemaphoreSlim(maxInFlight, maxInFlight);
        var start = Stopwatch.GetTimestamp();
        for (long i = 0; i < schedule.Count && !stop.IsCancellationRequested; i++)
        {
            var intended = start + (long)(schedule.IntendedOffset(i).TotalSeconds * Stopwatch.Frequency);
            var wait = Stopwatch.GetElapsedTime(Stopwatch.GetTimestamp(), intended);
            if (wait > TimeSpan.FromMilliseconds(1))
            {
                await DelayAsync(wait, stop);
            }

            // Waiting for a free slot is part of the latency: it is measured from the intended time.
            await slots.WaitAsync(CancellationToken.None);
            var item = work.Next(random);
            work.Observer.OnSent(phase, item);
            _ = SendAsync(phase, work, item, intended, slots);
        }

        // Every slot back means every request of this phase has been answered and observed.
        for (var i = 0; i < maxInFlight; i++)
        {
            await slots.WaitAsync(CancellationToken.None);
        }
    }

    private async Task RunClosedAsync<T>(Phase phase, Work<T> work, CancellationToken stop)
    {
        var start = Stopwatch.GetTimestamp();
        var users = Enumerable.Range(0, phase.MaxUsers).Select(async user =>
        {
            if (phase.UserWindow(user) is not { } window)
            {
                return;
            }

            var random = new Random(HashCode.Combine(seed, phase.Name, user));
            var from = start + (long)(window.From.TotalSeconds * Stopwatch.Frequency);
            var end = start + (long)(window.To.TotalSeconds * Stopwatch.Frequency);
            var idle = Stopwatch.GetElapsedTime(Stopwatch.GetTimestamp(), from);
            if (idle > TimeSpan.Zero)
            {
                await DelayAsync(idle, stop);
            }

            while (Stopwatch.GetTimestamp() < end && !stop.IsCancellationRequested)
            {
                var item = work.Next(random);
                work.Observer.OnSent(phase, item);
                var retryAfter = await SendAsync(phase, work, item, Stopwatch.GetTimestamp(), slots: null);
                var pause = honourRetryAfter && retryAfter is { } asked && asked > phase.Pause ? asked : phase.Pause;
                if (pause > TimeSpan.Zero)
                {
                    // A pause that reaches past the user's window ends its part in the phase: checking the
                    // clock again after sleeping until the end could wake a hair early (timer and
                    // Stopwatch are different clocks) and send once more against the server's wish.
                    // (An answer that came after the window's end leaves nothing to wait: Task.Delay
                    // would throw on the negative time left.)
                    var left = Stopwatch.GetElapsedTime(Stopwatch.GetTimestamp(), end);
                    if (pause >= left)
                    {
                        if (left > TimeSpan.Zero)
                        {
                            await DelayAsync(left, stop); // the phase keeps its length
                        }

                        break;
                    }

                    await DelayAsync(pause, stop);
                }
            }
        });
        await Task.WhenAll(users);
    }

    /// <summary>Sends one item and observes its outcome; returns the answer's <c>Retry-After</c>.</summary>
    private async Task<TimeSpan?> SendAsync<T>(Phase phase, Work<T> work, T item, long intendedTimestamp, SemaphoreSlim? slots)
    {
        try
        {
            await Task.Yield();
            var sent = Stopwatch.GetTimestamp();
            var outcome = await sender.SendAsync(work.UploadOf(item));
            var done = Stopwatch.GetTimestamp();
            outcome = outcome with { Start = Stopwatch.GetElapsedTime(_start, sent), Duration = Stopwatch.GetElapsedTime(sent, done) };
            work.Observer.OnAnswered(phase, item, outcome, Stopwatch.GetElapsedTime(intendedTimestamp, done));
            return outcome.RetryAfter;
        }
        catch (Exception ex)
        {
            // A bug in the caller or the sender, not an answer: it stays visible as a lost request.
            LastError = ex;
            return null;
        }
        finally
        {
            slots?.Release();
        }
    }

    private static async Task DelayAsync(TimeSpan wait, CancellationToken stop)
    {
        try
        {
            await Task.Delay(wait, stop);
        }
        catch (OperationCanceledException)
        {
            // Stopping: the loop condition ends scheduling.
        }
    }

    private sealed record Work<T>(Func<Random, T> Next, Func<T, Upload> UploadOf, ILoadObserver<T> Observer);
}
