using ImageGateway.Common.Imaging.Headers;
using ImageGateway.Gateway.Inspection;
using ImageGateway.Gateway.Throttling;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Options;

namespace ImageGateway.Gateway.Tests.Throttling;

public sealed class DecodeBudgetTests
{
    private const int PermitBytes = 64 * 1024;

    private static DecodeBudget Budget(long perBackend, int queueBudgets = 0, int destinations = 2)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(
            Enumerable.Range(1, destinations).ToDictionary(
                i => $"ReverseProxy:Clusters:backends:Destinations:d{i}:Address",
                i => (string?)$"http://127.0.0.1:{5000 + i}")).Build();
        return new DecodeBudget(Options.Create(new ThrottlingOptions
        {
            DecodeBudgetBytesPerBackend = perBackend,
            PermitBytes = PermitBytes,
            QueueBudgets = queueBudgets,
        }), configuration);
    }

    private static InspectedUpload Upload(long body, long decode) =>
        new(new PngFacts(100, 100, BitDepth: 8, ColorType: 2, Interlaced: false, ImageDataBytes: 1000, EmptyDataChunks: 0), body, decode);

    [Fact]
    public void Budget_IsPerBackendBytesTimesConfiguredDestinations_InPermits()
    {
        using var budget = Budget(24L * 1024 * 1024, destinations: 3);

        Assert.Equal(3, budget.Backends);
        Assert.Equal(3 * 24 * 16, budget.TotalPermits); // 24 MiB is 384 permits of 64 KiB
    }

    [Fact]
    public void PermitsFor_IsBodyPlusTheBackendsDecodeEstimate_RoundedUp()
    {
        using var budget = Budget(64L * 1024 * 1024);

        Assert.Equal(1, budget.PermitsFor(Upload(10_000, 40_000)));
        // 1,000,000 body + 16,000,000 decode = 17,000,000 bytes: ceil(17e6 / 65536) = 260.
        Assert.Equal(260, budget.PermitsFor(Upload(1_000_000, 16_000_000)));
        Assert.Equal(2, budget.PermitsFor(Upload(0, PermitBytes + 1)));
    }

    [Fact]
    public void PermitsFor_ImageLargerThanTheWholeBudget_TakesTheWholeBudget()
    {
        using var budget = Budget(1024 * 1024, destinations: 1);

        Assert.Equal(budget.TotalPermits, budget.PermitsFor(Upload(0, 40_000_000)));
    }

    [Fact]
    public async Task Weighted_OnePhotoHoldsThePermitsOfManyThumbnails()
    {
        using var budget = Budget(1024 * 1024, destinations: 1); // 16 permits
        var photo = budget.Weighted(12);
        var thumbnail = budget.Weighted(1);

        using var photoLease = await photo.AcquireAsync(1);
        Assert.True(photoLease.IsAcquired);
        var thumbnails = Enumerable.Range(0, 5).Select(_ => thumbnail.AttemptAcquire(1)).ToList();

        Assert.Equal(4, thumbnails.Count(l => l.IsAcquired));
        Assert.Equal(0, budget.Statistics.CurrentAvailablePermits);
        thumbnails.ForEach(l => l.Dispose());
        photoLease.Dispose();
        Assert.Equal(16, budget.Statistics.CurrentAvailablePermits);
    }

    [Fact]
    public async Task Weighted_QueueHoldsUpToItsBudgetsThenRefuses()
    {
        using var budget = Budget(1024 * 1024, queueBudgets: 1, destinations: 1); // 16 permits, queue 16
        var whole = budget.Weighted(16);
        using var running = await whole.AcquireAsync(1);

        var queued = whole.AcquireAsync(1);
        var refused = await whole.AcquireAsync(1).AsTask().WaitAsync(TimeSpan.FromSeconds(5));

        Assert.False(queued.IsCompleted);
        Assert.False(refused.IsAcquired);
        running.Dispose();
        using var lease = await queued.AsTask().WaitAsync(TimeSpan.FromSeconds(5));
        Assert.True(lease.IsAcquired);
    }
}
