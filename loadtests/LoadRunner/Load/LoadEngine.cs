using System.Diagnostics;
using ImageGateway.LoadRunner.Payloads;
using ImageGateway.LoadRunner.Statistics;

namespace ImageGateway.LoadRunner.Load;

/// <summary>
/// Runs phases one after another against an <see cref="IRequestSender"/>. Open phases send on the
/// <see cref="OpenSchedule"/> (a constant or linearly ramping rate) and measure latency from each
/// request's intended send time; closed phases run N users back to back, a ramping phase starting and
/// stopping users on the line from its start to its end level (<see cref="Phase.UserWindow"/>) (a user told to come back later by <c>Retry-After</c> waits that
/// long first when <paramref name="honourRetryAfter"/>, as a well-behaved client does). When a phase ends, every request it sent is awaited (each is bounded
/// by the sender's timeout), so every request sent is counted in exactly one outcome.
/// </summary>
public sealed class LoadEngine(IRequestSender sender, PayloadMix mix, RunStatistics statistics, int maxInFlight, int seed, bool honourRetryAfter = false)
{
    private long _measuredStart = -1;

    /// <summary>The phase running now, for live progress.</summary>
    public Phase? CurrentPhase { get; private set; }

    /// <summary>Time since the first measured phase began; zero before.</summary>
    public TimeSpan MeasuredElapsed => _measuredStart < 0 ? TimeSpan.Zero : Stopwatch.GetElapsedTime(_measuredStart);

    /// <summary>
    /// Runs <paramref name="phases"/>. <paramref name="stop"/> ends scheduling early (Ctrl-C); requests
    /// already sent still finish and are counted.
    /// </summary>
    public async Task RunAsync(IReadOnlyList<Phase> phases, CancellationToken stop)
    {
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

            var recorder = phase.Counted ? statistics : null;
            await (phase.Model == LoadModel.Open
                ? RunOpenAsync(phase, recorder, stop)
                : RunClosedAsync(phase, recorder, stop));
        }

        CurrentPhase = null;
    }

    private async Task RunOpenAsync(Phase phase, RunStatistics? recorder, CancellationToken stop)
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
            var payload = mix.Next(random);
            recorder?.RecordSent();
            _ = SendAndRecordAsync(payload, intended, recorder, slots);
        }

        // Every slot back means every request of this phase has been answered and recorded.
        for (var i = 0; i < maxInFlight; i++)
        {
            await slots.WaitAsync(CancellationToken.None);
        }
    }

    private async Task RunClosedAsync(Phase phase, RunStatistics? recorder, CancellationToken stop)
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
                var payload = mix.Next(random);
                recorder?.RecordSent();
                var retryAfter = await SendAndRecordAsync(payload, Stopwatch.GetTimestamp(), recorder, slots: null);
                if (honourRetryAfter && retryAfter is { } pause && pause > TimeSpan.Zero)
                {
                    // A pause that reaches past the user's window ends its part in the phase: checking the
                    // clock again after sleeping until the end could wake a hair early (timer and
                    // Stopwatch are different clocks) and send once more against the server's wish.
                    var left = Stopwatch.GetElapsedTime(Stopwatch.GetTimestamp(), end);
                    if (pause >= left)
                    {
                        await DelayAsync(left, stop); // the phase keeps its length
                        break;
                    }

                    await DelayAsync(pause, stop);
                }
            }
        });
        await Task.WhenAll(users);
    }

    private async Task<TimeSpan?> SendAndRecordAsync(Payload payload, long intendedTimestamp, RunStatistics? recorder, SemaphoreSlim? slots)
    {
        try
        {
            await Task.Yield();
            var result = await sender.SendAsync(payload);
            var done = Stopwatch.GetTimestamp();
            var at = _measuredStart < 0 ? TimeSpan.Zero : Stopwatch.GetElapsedTime(_measuredStart, done);
            recorder?.RecordCompleted(payload.Kind, payload.Name, payload.IsLegit, result, Stopwatch.GetElapsedTime(intendedTimestamp, done), at);
            return result.RetryAfter;
        }
        catch (Exception ex)
        {
            // A bug in the runner, not an answer: it stays visible as a lost request.
            LastError = ex;
            return null;
        }
        finally
        {
            slots?.Release();
        }
    }

    /// <summary>The last unexpected runner error, shown when requests were lost.</summary>
    public Exception? LastError { get; private set; }

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
}
