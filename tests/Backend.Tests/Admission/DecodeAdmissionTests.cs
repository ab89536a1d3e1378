using ImageGateway.Backend.Admission;
using ImageGateway.Backend.Memory;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace ImageGateway.Backend.Tests.Admission;

public sealed class DecodeAdmissionTests
{
    private const long MiB = 1024 * 1024;
    private static readonly TimeSpan TestTimeout = TimeSpan.FromSeconds(10);

    [Fact]
    public async Task Reserve_MoreThanTheWholeBudget_IsRefusedAtOnceAsNeverFits()
    {
        using var admission = Create(budget: 8 * MiB);
        using var reservation = admission.Begin();
        await reservation.AddAsync(1 * MiB, "the body", CancellationToken.None);

        var ex = await Assert.ThrowsAsync<AdmissionRefusedException>(() => reservation.AddAsync(7 * MiB + 1, "decoding", CancellationToken.None).AsTask().WaitAsync(TestTimeout));

        Assert.Equal(AdmissionRefusal.NeverFits, ex.Refusal);
        Assert.Contains((8 * MiB).ToString(System.Globalization.CultureInfo.InvariantCulture), ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Reserve_BudgetTaken_WaitsAndIsAdmittedWhenItIsReleased()
    {
        using var admission = Create(budget: 8 * MiB);
        var first = admission.Begin();
        await first.AddAsync(6 * MiB, "decoding", CancellationToken.None);
        using var second = admission.Begin();

        var waiting = second.AddAsync(4 * MiB, "decoding", CancellationToken.None).AsTask();
        await Task.Delay(50);
        Assert.False(waiting.IsCompleted);
        Assert.Equal(4 * MiB, admission.BytesQueued);
        Assert.Equal(6 * MiB, admission.BytesInUse);

        first.Dispose();
        await waiting.WaitAsync(TestTimeout);
        Assert.Equal(4 * MiB, admission.BytesInUse);
    }

    [Theory]
    [InlineData(0.5, 8, 4 * MiB, 1 * MiB)] // the queue's bytes (half a budget) are taken
    [InlineData(1.0, 1, 1024, 1024)] // the queue's one place is taken, however small the request
    public async Task Reserve_QueueFull_IsRefusedAtOnceAndReadinessSeesIt(double queueBudgets, int queueRequests, long queuedBytes, long refusedBytes)
    {
        using var admission = Create(budget: 8 * MiB, queueBudgets: queueBudgets, queueRequests: queueRequests);
        using var holder = admission.Begin();
        await holder.AddAsync(8 * MiB, "decoding", CancellationToken.None);
        using var queued = admission.Begin();
        var waiting = queued.AddAsync(queuedBytes, "decoding", CancellationToken.None).AsTask();
        using var refused = admission.Begin();

        var ex = await Assert.ThrowsAsync<AdmissionRefusedException>(() => refused.AddAsync(refusedBytes, "decoding", CancellationToken.None).AsTask().WaitAsync(TestTimeout));

        Assert.Equal(AdmissionRefusal.QueueFull, ex.Refusal);
        Assert.True(admission.QueueFull);
        holder.Dispose();
        await waiting.WaitAsync(TestTimeout);
    }

    [Fact]
    public async Task Reserve_NoRoomWithinTheQueueTimeout_IsRefusedAsTimeout()
    {
        using var admission = Create(budget: 8 * MiB, queueTimeout: TimeSpan.FromMilliseconds(100));
        using var holder = admission.Begin();
        await holder.AddAsync(8 * MiB, "decoding", CancellationToken.None);
        using var waiter = admission.Begin();

        var ex = await Assert.ThrowsAsync<AdmissionRefusedException>(() => waiter.AddAsync(1 * MiB, "decoding", CancellationToken.None).AsTask().WaitAsync(TestTimeout));

        Assert.Equal(AdmissionRefusal.Timeout, ex.Refusal);
        // The limiter leaves its queue on the cancellation callback, which may finish just after us.
        var deadline = DateTime.UtcNow + TestTimeout;
        while (admission.BytesQueued != 0 && DateTime.UtcNow < deadline)
        {
            await Task.Delay(10);
        }

        Assert.Equal(0, admission.BytesQueued);
    }

    [Fact]
    public async Task Reserve_SecondWaitAfterTheQueueTimeoutHasPassed_IsRefusedAtOnceAsTimeout()
    {
        var time = new FakeTimeProvider();
        using var admission = Create(budget: 8 * MiB, queueTimeout: TimeSpan.FromSeconds(2), time: time);
        using var holder = admission.Begin();
        await holder.AddAsync(7 * MiB, "decoding", CancellationToken.None);
        using var request = admission.Begin();
        await request.AddAsync(1 * MiB, "the body", CancellationToken.None);
        time.Advance(TimeSpan.FromSeconds(2)); // the body took the whole queue timeout to arrive

        var ex = await Assert.ThrowsAsync<AdmissionRefusedException>(() => request.AddAsync(1 * MiB, "decoding", CancellationToken.None).AsTask().WaitAsync(TestTimeout));

        Assert.Equal(AdmissionRefusal.Timeout, ex.Refusal);
        Assert.Equal(0, admission.BytesQueued);
    }

    [Fact]
    public async Task Dispose_Reservation_ReturnsEveryByte()
    {
        using var admission = Create(budget: 8 * MiB);
        using (var reservation = admission.Begin())
        {
            await reservation.AddAsync(1000, "the body", CancellationToken.None);
            await reservation.AddAsync(3 * MiB, "decoding", CancellationToken.None);
            Assert.Equal((3 * MiB) + 1024, admission.BytesInUse); // whole permits of 1 KiB
        }

        Assert.Equal(0, admission.BytesInUse);
    }

    private static DecodeAdmission Create(long budget, double queueBudgets = 1.0, TimeSpan? queueTimeout = null, int queueRequests = 8, TimeProvider? time = null) =>
        new(new MemoryBudget(null, "test", budget * 2, true, budget),
            Options.Create(new AdmissionOptions { QueueBudgets = queueBudgets, QueueTimeout = queueTimeout ?? TimeSpan.FromSeconds(5), QueueRequests = queueRequests }),
            time ?? new FakeTimeProvider());
}
