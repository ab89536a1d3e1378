using ImageGateway.Common.LoadReports;
using ImageGateway.Gateway.Dispatch;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using Yarp.ReverseProxy.Model;

namespace ImageGateway.Gateway.Tests.Dispatch;

/// <summary>The scheduler on its own: destinations and reports built by hand, time from a fake clock.</summary>
public sealed class DispatchSchedulerTests
{
    private const long MiB = 1024 * 1024;
    private static readonly TimeSpan TestTimeout = TimeSpan.FromSeconds(10);
    private readonly FakeTimeProvider _time = new();

    [Fact]
    public async Task Reserve_TwoDestinations_PicksTheOneWithTheLargerFreeShare()
    {
        var (scheduler, cluster, destinations) = Create(2);
        scheduler.Reported(destinations[0], new LoadReport(14 * MiB, 12 * MiB, 0));
        scheduler.Reported(destinations[1], new LoadReport(14 * MiB, 4 * MiB, 0));

        for (var i = 0; i < 20; i++)
        {
            var decision = await scheduler.ReserveAsync(MiB, cluster, null, null, CancellationToken.None).AsTask().WaitAsync(TestTimeout);
            Assert.Same(destinations[1], decision.Reservation!.Destination);
            decision.Reservation.Dispose();
        }
    }

    [Fact]
    public async Task Reserve_SmallAndLargeBudget_AThumbnailGoesWhereTheFreeShareIsLarger()
    {
        // 7 of 14 MiB free (half) against 50 of 200 MiB free (a quarter): by share, not by bytes.
        var (scheduler, cluster, destinations) = Create(2);
        scheduler.Reported(destinations[0], new LoadReport(14 * MiB, 7 * MiB, 0));
        scheduler.Reported(destinations[1], new LoadReport(200 * MiB, 150 * MiB, 0));

        var decision = await scheduler.ReserveAsync(MiB / 4, cluster, null, null, CancellationToken.None).AsTask().WaitAsync(TestTimeout);

        Assert.Same(destinations[0], decision.Reservation!.Destination);
    }

    [Fact]
    public async Task Reserve_LargeImage_GoesOnlyToTheDestinationWhoseBudgetHoldsIt()
    {
        // A 50 MiB backend (14 MiB budget) idle, a 256 MiB one (200 MiB budget) busier: a 20 MB photo fits only the large one.
        var (scheduler, cluster, destinations) = Create(2);
        scheduler.Reported(destinations[0], new LoadReport(14 * MiB, 0, 0));
        scheduler.Reported(destinations[1], new LoadReport(200 * MiB, 150 * MiB, 0));

        var photo = await scheduler.ReserveAsync(20 * MiB, cluster, null, null, CancellationToken.None).AsTask().WaitAsync(TestTimeout);
        var thumbnail = await scheduler.ReserveAsync(MiB / 4, cluster, null, null, CancellationToken.None).AsTask().WaitAsync(TestTimeout);

        Assert.Same(destinations[1], photo.Reservation!.Destination);
        Assert.NotNull(thumbnail.Reservation);
    }

    [Fact]
    public async Task Reserve_DestinationThatNeverReported_TakesOneUploadAtATime()
    {
        var (scheduler, cluster, _) = Create(1, maxQueueWait: TimeSpan.Zero);

        var first = await scheduler.ReserveAsync(MiB, cluster, null, null, CancellationToken.None).AsTask().WaitAsync(TestTimeout);
        var second = await scheduler.ReserveAsync(MiB, cluster, null, null, CancellationToken.None).AsTask().WaitAsync(TestTimeout);

        Assert.NotNull(first.Reservation);
        Assert.Null(second.Reservation);
        Assert.Equal(DispatchDecision.TimedOutReason, second.ShedReason);
        first.Reservation.Dispose();
        var third = await scheduler.ReserveAsync(MiB, cluster, null, null, CancellationToken.None).AsTask().WaitAsync(TestTimeout);
        Assert.NotNull(third.Reservation);
    }

    [Fact]
    public async Task Reserve_WhenFull_WaitsAndIsGrantedWhenCapacityIsGivenBack()
    {
        var (scheduler, cluster, destinations) = Create(1);
        scheduler.Reported(destinations[0], new LoadReport(4 * MiB, 0, 0));
        var holders = new List<DispatchReservation>();
        for (var i = 0; i < 4; i++)
        {
            holders.Add((await scheduler.ReserveAsync(MiB, cluster, null, null, CancellationToken.None)).Reservation!);
        }

        var waiting = scheduler.ReserveAsync(MiB, cluster, null, null, CancellationToken.None).AsTask();
        Assert.False(waiting.IsCompleted);
        Assert.Equal(1, scheduler.Waiting);

        holders[0].Dispose();

        var granted = await waiting.WaitAsync(TestTimeout);
        Assert.Same(destinations[0], granted.Reservation!.Destination);
        Assert.Equal(0, scheduler.Waiting);
    }

    [Fact]
    public async Task Reserve_WhenFull_WaitsAtMostTheBoundThenIsShed()
    {
        var (scheduler, cluster, destinations) = Create(1, maxQueueWait: TimeSpan.FromSeconds(2));
        scheduler.Reported(destinations[0], new LoadReport(MiB, 0, 0));
        using var holder = (await scheduler.ReserveAsync(MiB, cluster, null, null, CancellationToken.None)).Reservation!;

        var waiting = scheduler.ReserveAsync(MiB, cluster, null, null, CancellationToken.None).AsTask();
        _time.Advance(TimeSpan.FromSeconds(1.9));
        await Task.Delay(50);
        Assert.False(waiting.IsCompleted);
        _time.Advance(TimeSpan.FromSeconds(0.2));

        var shed = await waiting.WaitAsync(TestTimeout);
        Assert.Null(shed.Reservation);
        Assert.Equal(DispatchDecision.TimedOutReason, shed.ShedReason);
        Assert.Equal(0, scheduler.Waiting);
        Assert.Equal(0, scheduler.QueuedBytes);
    }

    [Fact]
    public async Task Reserve_ExpectedWaitOverTheBound_IsShedAtOnceWithRetryAfterFromTheDrainRate()
    {
        // 4 MiB of capacity, all held; 8 MiB waiting. Every 250 ms one 1 MiB upload finishes, so the
        // drain rate is 4 MiB/s and 8 MiB ahead means about 2 s: a new upload expects more than 1.5 s.
        var (scheduler, cluster, destinations) = Create(1, maxQueueWait: TimeSpan.FromSeconds(1.5));
        scheduler.Reported(destinations[0], new LoadReport(4 * MiB, 0, 0));
        var held = new Queue<DispatchReservation>();
        for (var i = 0; i < 4; i++)
        {
            held.Enqueue((await scheduler.ReserveAsync(MiB, cluster, null, null, CancellationToken.None)).Reservation!);
        }

        var waiters = new List<Task<DispatchDecision>>();
        for (var i = 0; i < 12; i++)
        {
            waiters.Add(scheduler.ReserveAsync(MiB, cluster, null, null, CancellationToken.None).AsTask());
        }

        for (var step = 0; step < 4; step++)
        {
            _time.Advance(TimeSpan.FromMilliseconds(250));
            held.Dequeue().Dispose();
            var granted = await waiters[step].WaitAsync(TestTimeout);
            held.Enqueue(granted.Reservation!);
        }

        Assert.Equal(4 * MiB, scheduler.DrainBytesPerSecond!.Value, 4 * MiB / 10.0);
        var shed = await scheduler.ReserveAsync(MiB, cluster, null, null, CancellationToken.None).AsTask().WaitAsync(TestTimeout);

        Assert.Equal(DispatchDecision.ExpectedWaitReason, shed.ShedReason);
        Assert.InRange(shed.Wait.TotalSeconds, 1.5, 2.6);      // (8 queued + 1 - 0 free) MiB at ~4 MiB/s
        Assert.InRange(shed.RetryAfter.TotalSeconds, 2.0, 2.6); // the queue and this upload drained
        Assert.NotNull(scheduler.ShedBeforePeek(cluster.DestinationsState.AvailableDestinations));
    }

    [Fact]
    public async Task Reported_AnotherGatewaysLoad_LeavesOnlyTheRestFree()
    {
        var (scheduler, cluster, destinations) = Create(1, maxQueueWait: TimeSpan.Zero);
        using var mine = (await scheduler.ReserveAsync(2 * MiB, cluster, null, null, CancellationToken.None)).Reservation!;

        // The backend holds 2 MiB of ours and 9 MiB of another gateway's, of 14 MiB.
        scheduler.Reported(destinations[0], new LoadReport(14 * MiB, 11 * MiB, 0));

        Assert.Equal(3 * MiB, scheduler.Describe(destinations[0]).FreeBytes);
        Assert.NotNull((await scheduler.ReserveAsync(3 * MiB, cluster, null, null, CancellationToken.None)).Reservation);
        Assert.Null((await scheduler.ReserveAsync(MiB, cluster, null, null, CancellationToken.None)).Reservation);
    }

    [Fact]
    public async Task Reserve_BackendWithDecodeSlots_TakesNoMoreUploadsThanSlotsHoweverSmall()
    {
        // 14 MiB in 4 slots (two workers, two slots each): a 100 KB thumbnail holds a slot, 3.5 MiB,
        // as the backend counts it, so the fifth waits although 13.6 MiB of bytes would be free.
        var (scheduler, cluster, destinations) = Create(1, maxQueueWait: TimeSpan.Zero);
        scheduler.Reported(destinations[0], new LoadReport(14 * MiB, 0, 0, DecodeSlots: 4));
        var thumbnail = 100_000L;

        var granted = new List<DispatchReservation>();
        for (var i = 0; i < 4; i++)
        {
            granted.Add((await scheduler.ReserveAsync(thumbnail, cluster, null, null, CancellationToken.None).AsTask().WaitAsync(TestTimeout)).Reservation!);
        }

        Assert.All(granted, Assert.NotNull);
        Assert.Null((await scheduler.ReserveAsync(thumbnail, cluster, null, null, CancellationToken.None).AsTask().WaitAsync(TestTimeout)).Reservation);
        granted[0].Dispose();
        Assert.NotNull((await scheduler.ReserveAsync(thumbnail, cluster, null, null, CancellationToken.None).AsTask().WaitAsync(TestTimeout)).Reservation);
    }

    [Fact]
    public async Task Reported_SlotsHeldByAnotherGateway_LeaveOnlyTheRestFree()
    {
        // The backend counts one upload of ours and two of another gateway's as a slot (3.5 MiB) each.
        var (scheduler, cluster, destinations) = Create(1, maxQueueWait: TimeSpan.Zero);
        scheduler.Reported(destinations[0], new LoadReport(14 * MiB, 0, 0, DecodeSlots: 4));
        using var mine = (await scheduler.ReserveAsync(MiB, cluster, null, null, CancellationToken.None)).Reservation!;

        scheduler.Reported(destinations[0], new LoadReport(14 * MiB, 21 * MiB / 2, 0, DecodeSlots: 4));

        Assert.Equal(7 * MiB / 2, scheduler.Describe(destinations[0]).FreeBytes);
        Assert.NotNull((await scheduler.ReserveAsync(MiB, cluster, null, null, CancellationToken.None)).Reservation);
        Assert.Null((await scheduler.ReserveAsync(MiB, cluster, null, null, CancellationToken.None)).Reservation);
    }

    [Fact]
    public async Task Reserve_OlderLargeUploadWaiting_LaterSmallOnesStillFillADestinationItCannotUse()
    {
        var (scheduler, cluster, destinations) = Create(2);
        scheduler.Reported(destinations[0], new LoadReport(4 * MiB, 0, 0));  // small
        scheduler.Reported(destinations[1], new LoadReport(32 * MiB, 0, 0)); // large
        using var busy = (await scheduler.ReserveAsync(30 * MiB, cluster, null, null, CancellationToken.None)).Reservation!;
        Assert.Same(destinations[1], busy.Destination);

        var large = scheduler.ReserveAsync(20 * MiB, cluster, null, null, CancellationToken.None).AsTask();
        var small = await scheduler.ReserveAsync(MiB, cluster, null, null, CancellationToken.None).AsTask().WaitAsync(TestTimeout);

        Assert.False(large.IsCompleted);
        Assert.Same(destinations[0], small.Reservation!.Destination);
    }

    [Fact]
    public async Task Reserve_SmallUploadsBesideAWaitingLargeOne_FillTheGapsUntilItHasWaitedHalfTheBound()
    {
        var (scheduler, cluster, destinations) = Create(1, maxQueueWait: TimeSpan.FromSeconds(2));
        scheduler.Reported(destinations[0], new LoadReport(8 * MiB, 0, 0));
        var busy = (await scheduler.ReserveAsync(6 * MiB, cluster, null, null, CancellationToken.None)).Reservation!;
        var large = scheduler.ReserveAsync(4 * MiB, cluster, null, null, CancellationToken.None).AsTask();

        // Young wait: a thumbnail (at most an eighth of the budget) may use the 2 MiB the large one cannot.
        var early = await scheduler.ReserveAsync(MiB / 2, cluster, null, null, CancellationToken.None).AsTask().WaitAsync(TestTimeout);
        Assert.NotNull(early.Reservation);
        Assert.False(large.IsCompleted);

        // Past half the bound the large one is strictly next: the next thumbnail waits behind it.
        _time.Advance(TimeSpan.FromSeconds(1.1));
        var late = scheduler.ReserveAsync(MiB / 2, cluster, null, null, CancellationToken.None).AsTask();
        await Task.Delay(50);
        Assert.False(late.IsCompleted);

        busy.Dispose();
        Assert.NotNull((await large.WaitAsync(TestTimeout)).Reservation);
        Assert.NotNull((await late.WaitAsync(TestTimeout)).Reservation);
        early.Reservation.Dispose();
    }

    [Fact]
    public async Task Reserve_ClientOverItsShare_IsRefusedWhileOthersAreGranted()
    {
        var (scheduler, cluster, destinations) = Create(1, clientShare: 0.5);
        scheduler.Reported(destinations[0], new LoadReport(4 * MiB, 0, 0));
        using var a1 = (await scheduler.ReserveAsync(MiB, cluster, "a", null, CancellationToken.None)).Reservation!;
        using var a2 = (await scheduler.ReserveAsync(MiB, cluster, "a", null, CancellationToken.None)).Reservation!;

        var over = await scheduler.ReserveAsync(MiB, cluster, "a", null, CancellationToken.None);
        var other = await scheduler.ReserveAsync(MiB, cluster, "b", null, CancellationToken.None);

        Assert.Equal(2 * MiB, over.ShareBytes);
        Assert.NotNull(other.Reservation);
        other.Reservation.Dispose();
    }

    [Fact]
    public async Task Reserve_NoDestinationAvailable_LeavesTheAnswerToTheProxy()
    {
        var (scheduler, cluster, destinations) = Create(1);
        cluster.DestinationsState = new ClusterDestinationsState(destinations, []);

        var decision = await scheduler.ReserveAsync(MiB, cluster, null, null, CancellationToken.None);

        Assert.Same(DispatchDecision.NoDestination, decision);
    }

    private (DispatchScheduler Scheduler, ClusterState Cluster, DestinationState[] Destinations) Create(
        int destinations, TimeSpan? maxQueueWait = null, double clientShare = 0)
    {
        var options = Options.Create(new DispatchOptions { MaxQueueWait = maxQueueWait ?? TimeSpan.FromSeconds(30), ClientShare = clientShare });
        var scheduler = new DispatchScheduler(options, _time);
        var cluster = new ClusterState("backends");
        var states = Enumerable.Range(1, destinations).Select(i => new DestinationState($"backend{i}")).ToArray();
        cluster.DestinationsState = new ClusterDestinationsState(states, states);
        return (scheduler, cluster, states);
    }
}
