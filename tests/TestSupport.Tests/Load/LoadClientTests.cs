using System.Collections.Concurrent;
using System.Diagnostics;
using ImageGateway.TestSupport.Load;

namespace ImageGateway.TestSupport.Tests.Load;

public sealed class LoadClientTests
{
    private static readonly TimeSpan TestTimeout = TimeSpan.FromSeconds(20);
    private static readonly Upload Body = new([1]);
    private static readonly UploadOutcome Ok = new(200);

    [Fact]
    public async Task Open_ServerStallsHalfASecond_LatencyCountsFromIntendedSendTime()
    {
        // 50 req/s for 1 s, one request at a time: the first answer takes 500 ms, all others are instant.
        // Requests due during the stall wait for it; measured from their intended time they are slow.
        var first = 0;
        var sender = new FakeSender(async _ =>
        {
            if (Interlocked.Exchange(ref first, 1) == 0)
            {
                await Task.Delay(500);
            }

            return Ok;
        });
        var recorder = new Recorder();

        await new LoadClient(sender, maxInFlight: 1).RunAsync([new Phase("steady", TimeSpan.FromSeconds(1), LoadModel.Open, 50, 1)], Body, recorder, CancellationToken.None).WaitAsync(TestTimeout);

        var latencies = recorder.Latencies.Select(l => l.TotalMilliseconds).Order().ToList();
        Assert.Equal(50, latencies.Count);
        Assert.True(latencies[^1] >= 490, $"max {latencies[^1]} ms");
        // 24 of the 50 requests were due during the stall and waited 20..480 ms: by hand the mean is
        // (500 + sum of 500 - 20i for i = 1..24) / 50 = 130 ms. Measured from the actual send it would
        // be 500 / 50 = 10 ms, and p90 would be about 0. (A slow timer only makes the stall longer.)
        Assert.True(latencies[44] >= 300, $"p90 {latencies[44]} ms");
        Assert.True(latencies.Average() >= 80, $"mean {latencies.Average()} ms");
    }

    [Theory]
    [InlineData(true, 1, 2)]
    [InlineData(false, 4, int.MaxValue)]
    public async Task Closed_ShedWithRetryAfter_AUserWaitsItOnlyWhenHonouring(bool honour, int atLeast, int atMost)
    {
        // Every answer is a 503 with Retry-After: 1 s, after 10 ms. In a 1.5 s phase one honouring
        // user sends once, waits 1 s, sends again (2 requests); one that ignores it sends ~100 on a
        // quiet machine. The bound for it is only "more than an honouring user could" (measured: 7 on
        // a CI machine under full load), so a slow machine cannot fail it while the rule still holds.
        var sender = new FakeSender(async _ =>
        {
            await Task.Delay(10);
            return new UploadOutcome(503, "urn:image-gateway:problem:overloaded") { RetryAfter = TimeSpan.FromSeconds(1) };
        });
        var recorder = new Recorder();

        await new LoadClient(sender, honourRetryAfter: honour).RunAsync([new Phase("steady", TimeSpan.FromSeconds(1.5), LoadModel.Closed, 0, 1)], Body, recorder, CancellationToken.None).WaitAsync(TestTimeout);

        Assert.InRange(recorder.Outcomes.Count, atLeast, atMost);
    }

    [Fact]
    public async Task Closed_PauseOf200Ms_EachUserWaitsItBetweenRequests()
    {
        // One user, instant answers, 200 ms think time, 1 s: requests at 0, 0.2, 0.4, 0.6, 0.8 s (a
        // pause reaching past the end ends the user's part). Without the pause it would send thousands.
        var recorder = new Recorder();

        await new LoadClient(new FakeSender(_ => Task.FromResult(Ok))).RunAsync(
            [new Phase("paced", TimeSpan.FromSeconds(1), LoadModel.Closed, 0, 1) { Pause = TimeSpan.FromMilliseconds(200) }], Body, recorder, CancellationToken.None).WaitAsync(TestTimeout);

        Assert.InRange(recorder.Outcomes.Count, 2, 5); // timers may run late on a loaded machine, never early
    }

    [Fact]
    public async Task Closed_TwoUsers_NeverMoreThanTwoInFlightAndAllObserved()
    {
        var inFlight = 0;
        var most = 0;
        var sender = new FakeSender(async _ =>
        {
            var now = Interlocked.Increment(ref inFlight);
            InterlockedMax(ref most, now);
            await Task.Delay(10);
            Interlocked.Decrement(ref inFlight);
            return Ok;
        });
        var recorder = new Recorder();

        await new LoadClient(sender, maxInFlight: 100).RunAsync([new Phase("steady", TimeSpan.FromMilliseconds(300), LoadModel.Closed, 1, 2)], Body, recorder, CancellationToken.None).WaitAsync(TestTimeout);

        Assert.Equal(2, most);
        // At most 300 ms / 10 ms per user; at least one each even on a starved machine.
        Assert.InRange(recorder.Outcomes.Count, 2, 60);
        Assert.Equal(recorder.Sent, recorder.Outcomes.Count);
    }

    [Fact]
    public async Task Closed_RampingUsers_StartOneByOneUpToTheTarget()
    {
        // 0 -> 4 users over 2 s: user k starts at k/2 s. Each request takes 20 ms.
        var running = 0;
        var maxEarly = 0;
        var maxOverall = 0;
        var clock = Stopwatch.StartNew();
        var sender = new FakeSender(async _ =>
        {
            var now = Interlocked.Increment(ref running);
            InterlockedMax(ref maxOverall, now);
            if (clock.Elapsed < TimeSpan.FromMilliseconds(400))
            {
                InterlockedMax(ref maxEarly, now);
            }

            await Task.Delay(20);
            Interlocked.Decrement(ref running);
            return Ok;
        });
        var recorder = new Recorder();

        clock.Restart();
        await new LoadClient(sender, maxInFlight: 1).RunAsync([new Phase("ramp", TimeSpan.FromSeconds(2), LoadModel.Closed, 0, 0, RampTo: 4)], Body, recorder, CancellationToken.None).WaitAsync(TestTimeout);

        Assert.Equal(1, maxEarly);
        Assert.Equal(4, maxOverall);
        Assert.Equal(recorder.Sent, recorder.Outcomes.Count);
    }

    [Fact]
    public async Task Open_RampingRate_SendsOnTheRampsSchedule()
    {
        // 0 -> 40 req/s over 1 s: N(t) = 20 t^2, so 20 requests, 5 of them due in the first half second.
        var clock = Stopwatch.StartNew();
        var early = 0;
        var sender = new FakeSender(_ =>
        {
            if (clock.Elapsed < TimeSpan.FromMilliseconds(500))
            {
                Interlocked.Increment(ref early);
            }

            return Task.FromResult(Ok);
        });
        var recorder = new Recorder();

        clock.Restart();
        await new LoadClient(sender, maxInFlight: 8).RunAsync([new Phase("ramp", TimeSpan.FromSeconds(1), LoadModel.Open, 0, 1, RampTo: 40)], Body, recorder, CancellationToken.None).WaitAsync(TestTimeout);

        Assert.Equal(20, recorder.Outcomes.Count);
        Assert.InRange(early, 3, 7); // a constant 20 req/s would send 10 (timers here may run late, never early)
    }

    [Fact]
    public async Task Stopped_RequestsInFlightFinishAndAreObserved_NoMoreAreSent()
    {
        // Four users; the run is stopped when the fourth request is sent, and only then are the four
        // answered (after 100 ms): all four are observed, and no user sends again.
        using var stop = new CancellationTokenSource();
        var answer = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var calls = 0;
        var sender = new FakeSender(async _ =>
        {
            if (Interlocked.Increment(ref calls) == 4)
            {
                await stop.CancelAsync();
                answer.SetResult();
            }

            await answer.Task;
            await Task.Delay(100);
            return Ok;
        });
        var recorder = new Recorder();

        await new LoadClient(sender).RunAsync([Phase.UntilStopped(4, TimeSpan.Zero)], Body, recorder, stop.Token).WaitAsync(TestTimeout);

        Assert.Equal(4, recorder.Sent);
        Assert.Equal(4, recorder.Outcomes.Count);
        Assert.All(recorder.Outcomes, o => Assert.InRange(o.Duration, TimeSpan.FromMilliseconds(90), TestTimeout));
    }

    [Fact]
    public async Task Outcomes_CarryStartAndDurationOnTheClientsClock()
    {
        // One user, answers after 50 ms, 20 ms pause: each starts after the previous one's end plus the pause.
        var sender = new FakeSender(async _ =>
        {
            await Task.Delay(50);
            return Ok;
        });
        var recorder = new Recorder();
        var client = new LoadClient(sender);

        await client.RunAsync([new Phase("paced", TimeSpan.FromSeconds(1.5), LoadModel.Closed, 0, 1) { Pause = TimeSpan.FromMilliseconds(20) }], Body, recorder, CancellationToken.None).WaitAsync(TestTimeout);

        var outcomes = recorder.Outcomes.OrderBy(o => o.Start).ToList();
        Assert.True(outcomes.Count >= 2, $"{outcomes.Count} outcomes");
        Assert.All(outcomes, o => Assert.True(o.Duration >= TimeSpan.FromMilliseconds(45), o.ToString()));
        Assert.All(outcomes.Zip(outcomes.Skip(1)), p => Assert.True(p.Second.Start >= p.First.Start + p.First.Duration + TimeSpan.FromMilliseconds(15), $"{p.First} then {p.Second}"));
        Assert.True(outcomes[^1].Start + outcomes[^1].Duration <= client.Elapsed);
    }

    [Fact]
    public async Task SenderThrows_RequestIsLost_AndTheErrorKept()
    {
        var calls = 0;
        var sender = new FakeSender(_ => Interlocked.Increment(ref calls) == 3 ? throw new InvalidOperationException("client bug") : Task.FromResult(Ok));
        var recorder = new Recorder();
        var client = new LoadClient(sender, maxInFlight: 4);

        await client.RunAsync([new Phase("steady", TimeSpan.FromMilliseconds(200), LoadModel.Open, 50, 1)], Body, recorder, CancellationToken.None).WaitAsync(TestTimeout);

        Assert.Equal(10, recorder.Sent);
        Assert.Equal(9, recorder.Outcomes.Count);
        Assert.IsType<InvalidOperationException>(client.LastError);
    }

    private static void InterlockedMax(ref int target, int value)
    {
        int seen;
        while ((seen = Volatile.Read(ref target)) < value && Interlocked.CompareExchange(ref target, value, seen) != seen)
        {
        }
    }

    private sealed class FakeSender(Func<Upload, Task<UploadOutcome>> send) : IUploadSender
    {
        public Task<UploadOutcome> SendAsync(Upload upload) => send(upload);
    }

    private sealed class Recorder : ILoadObserver<Upload>
    {
        private readonly ConcurrentQueue<(UploadOutcome Outcome, TimeSpan Latency)> _answers = new();
        private int _sent;

        public int Sent => Volatile.Read(ref _sent);

        public IReadOnlyList<UploadOutcome> Outcomes => [.. _answers.Select(a => a.Outcome)];

        public IReadOnlyList<TimeSpan> Latencies => [.. _answers.Select(a => a.Latency)];

        public void OnSent(Phase phase, Upload item) => Interlocked.Increment(ref _sent);

        public void OnAnswered(Phase phase, Upload item, UploadOutcome outcome, TimeSpan latency) => _answers.Enqueue((outcome, latency));
    }
}
