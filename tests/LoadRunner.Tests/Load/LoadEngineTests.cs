using ImageGateway.LoadRunner.Classification;
using ImageGateway.LoadRunner.Load;
using ImageGateway.LoadRunner.Payloads;
using ImageGateway.LoadRunner.Statistics;

namespace ImageGateway.LoadRunner.Tests.Load;

public sealed class LoadEngineTests
{
    private static readonly TimeSpan TestTimeout = TimeSpan.FromSeconds(20);
    private static readonly Payload Legit = new("legit/png", "a.png", [1], "image/png", Expectation.Counted(1));
    private static readonly Payload Hostile = new("hostile/x", "x", [2], "image/png", Expectation.Rejected(422));
    private static readonly ImageGateway.LoadRunner.Classification.Classification Right = new(Outcome.CountRight, "200");

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

            return Right;
        });
        var stats = new RunStatistics();
        var engine = new LoadEngine(sender, new PayloadMix([Legit], [], 0), stats, maxInFlight: 1, seed: 1);

        await engine.RunAsync([new Phase("steady", TimeSpan.FromSeconds(1), LoadModel.Open, 50, 1)], CancellationToken.None).WaitAsync(TestTimeout);

        var snapshot = stats.Snapshot();
        Assert.Equal(50, snapshot.Completed);
        Assert.True(snapshot.Latency.Max >= 490, $"max {snapshot.Latency.Max} ms");
        // 24 of the 50 requests were due during the stall and waited 20..480 ms: by hand the mean is
        // (500 + sum of 500 - 20i for i = 1..24) / 50 = 130 ms. Measured from the actual send it would
        // be 500 / 50 = 10 ms, and p90 would be about 0. (A slow timer only makes the stall longer.)
        Assert.True(snapshot.Latency.P90 >= 300, $"p90 {snapshot.Latency.P90} ms");
        Assert.True(snapshot.Latency.Mean >= 80, $"mean {snapshot.Latency.Mean} ms");
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
            return new ImageGateway.LoadRunner.Classification.Classification(Outcome.Shed, "503 overloaded", TimeSpan.FromSeconds(1));
        });
        var stats = new RunStatistics();
        var engine = new LoadEngine(sender, new PayloadMix([Legit], [], 0), stats, maxInFlight: 1, seed: 1, honourRetryAfter: honour);

        await engine.RunAsync([new Phase("steady", TimeSpan.FromSeconds(1.5), LoadModel.Closed, 0, 1)], CancellationToken.None).WaitAsync(TestTimeout);

        Assert.InRange(stats.Snapshot().Completed, atLeast, atMost);
    }

    [Fact]
    public async Task Open_ManyConcurrentAnswersOfEveryKind_NoRequestLost()
    {
        var outcomes = OutcomeFacts.All;
        var next = 0;
        var sender = new FakeSender(async _ =>
        {
            var i = Interlocked.Increment(ref next);
            await Task.Delay(i % 7);
            return new ImageGateway.LoadRunner.Classification.Classification(outcomes[i % outcomes.Count], "x");
        });
        var stats = new RunStatistics();
        var engine = new LoadEngine(sender, new PayloadMix([Legit], [Hostile], 0.5), stats, maxInFlight: 8, seed: 1);

        await engine.RunAsync([new Phase("steady", TimeSpan.FromMilliseconds(500), LoadModel.Open, 400, 1)], CancellationToken.None).WaitAsync(TestTimeout);

        var snapshot = stats.Snapshot();
        Assert.Equal(200, snapshot.Sent);
        Assert.Equal(200, snapshot.Completed);
        Assert.Equal(0, snapshot.Lost);
        Assert.Equal(200, snapshot.Outcomes.Values.Sum());
        Assert.Equal(200, snapshot.ByKind.Values.Sum(k => k.Values.Sum()));
        Assert.Equal(200, snapshot.Seconds.Sum(s => s.Completed));
        Assert.All(outcomes, o => Assert.True(snapshot.Count(o) > 0, o.ToString()));
        var progress = stats.Progress();
        Assert.Equal((snapshot.Sent, snapshot.Completed, snapshot.Failures, snapshot.Count(Outcome.Shed), snapshot.Count(Outcome.Rejected)),
            (progress.Sent, progress.Completed, progress.Failures, progress.Shed, progress.Rejected));
    }

    [Fact]
    public async Task Open_SenderThrows_RequestIsCountedAsLost()
    {
        var calls = 0;
        var sender = new FakeSender(_ => Interlocked.Increment(ref calls) == 3 ? throw new InvalidOperationException("runner bug") : Task.FromResult(Right));
        var stats = new RunStatistics();
        var engine = new LoadEngine(sender, new PayloadMix([Legit], [], 0), stats, maxInFlight: 4, seed: 1);

        await engine.RunAsync([new Phase("steady", TimeSpan.FromMilliseconds(200), LoadModel.Open, 50, 1)], CancellationToken.None).WaitAsync(TestTimeout);

        var snapshot = stats.Snapshot();
        Assert.Equal(10, snapshot.Sent);
        Assert.Equal(9, snapshot.Completed);
        Assert.Equal(1, snapshot.Lost);
        Assert.IsType<InvalidOperationException>(engine.LastError);
    }

    [Fact]
    public async Task WarmUpPhase_IsSentButNotCounted()
    {
        var sent = 0;
        var sender = new FakeSender(_ =>
        {
            Interlocked.Increment(ref sent);
            return Task.FromResult(Right);
        });
        var stats = new RunStatistics();
        var engine = new LoadEngine(sender, new PayloadMix([Legit], [], 0), stats, maxInFlight: 4, seed: 1);

        await engine.RunAsync(
            [
                new Phase("warm-up", TimeSpan.FromMilliseconds(200), LoadModel.Open, 50, 1, Counted: false),
                new Phase("steady", TimeSpan.FromMilliseconds(200), LoadModel.Open, 50, 1),
            ],
            CancellationToken.None).WaitAsync(TestTimeout);

        Assert.Equal(20, sent);
        Assert.Equal(10, stats.Snapshot().Sent);
        Assert.Equal(10, stats.Snapshot().Completed);
    }

    [Fact]
    public async Task Closed_TwoUsers_NeverMoreThanTwoInFlightAndAllCounted()
    {
        var inFlight = 0;
        var most = 0;
        var sender = new FakeSender(async _ =>
        {
            var now = Interlocked.Increment(ref inFlight);
            InterlockedMax(ref most, now);
            await Task.Delay(10);
            Interlocked.Decrement(ref inFlight);
            return Right;
        });
        var stats = new RunStatistics();
        var engine = new LoadEngine(sender, new PayloadMix([Legit], [], 0), stats, maxInFlight: 100, seed: 1);

        await engine.RunAsync([new Phase("steady", TimeSpan.FromMilliseconds(300), LoadModel.Closed, 1, 2)], CancellationToken.None).WaitAsync(TestTimeout);

        var snapshot = stats.Snapshot();
        Assert.Equal(2, most);
        // At most 300 ms / 10 ms per user; at least one each even on a starved machine.
        Assert.InRange(snapshot.Completed, 2, 60);
        Assert.Equal(0, snapshot.Lost);
    }

    private static void InterlockedMax(ref int target, int value)
    {
        int seen;
        while ((seen = Volatile.Read(ref target)) < value && Interlocked.CompareExchange(ref target, value, seen) != seen)
        {
        }
    }

    [Fact]
    public async Task Closed_RampingUsers_StartOneByOneUpToTheTarget()
    {
        // 0 -> 4 users over 2 s: user k starts at k/2 s. Each request takes 20 ms.
        var running = 0;
        var maxEarly = 0;
        var maxOverall = 0;
        var clock = System.Diagnostics.Stopwatch.StartNew();
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
            return Right;
        });
        var stats = new RunStatistics();
        var engine = new LoadEngine(sender, new PayloadMix([Legit], [], 0), stats, maxInFlight: 1, seed: 1);

        clock.Restart();
        await engine.RunAsync([new Phase("ramp", TimeSpan.FromSeconds(2), LoadModel.Closed, 0, 0, RampTo: 4)], CancellationToken.None).WaitAsync(TestTimeout);

        Assert.Equal(1, maxEarly);
        Assert.Equal(4, maxOverall);
        Assert.Equal(stats.Sent, stats.Snapshot().Completed);
    }

    [Fact]
    public async Task Open_RampingRate_SendsOnTheRampsSchedule()
    {
        // 0 -> 40 req/s over 1 s: N(t) = 20 t^2, so 20 requests, 5 of them due in the first half second.
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var early = 0;
        var sender = new FakeSender(_ =>
        {
            if (clock.Elapsed < TimeSpan.FromMilliseconds(500))
            {
                Interlocked.Increment(ref early);
            }

            return Task.FromResult(Right);
        });
        var stats = new RunStatistics();
        var engine = new LoadEngine(sender, new PayloadMix([Legit], [], 0), stats, maxInFlight: 8, seed: 1);

        clock.Restart();
        await engine.RunAsync([new Phase("ramp", TimeSpan.FromSeconds(1), LoadModel.Open, 0, 1, RampTo: 40)], CancellationToken.None).WaitAsync(TestTimeout);

        Assert.Equal(20, stats.Snapshot().Completed);
        Assert.InRange(early, 3, 7); // a constant 20 req/s would send 10 (timers here may run late, never early)
    }

    private sealed class FakeSender(Func<Payload, Task<ImageGateway.LoadRunner.Classification.Classification>> send) : IRequestSender
    {
        public Task<ImageGateway.LoadRunner.Classification.Classification> SendAsync(Payload payload) => send(payload);
    }
}
