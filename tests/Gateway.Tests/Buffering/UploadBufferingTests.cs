using System.Diagnostics.Metrics;
using System.Net;
using System.Security.Cryptography;
using ImageGateway.Gateway.Buffering;
using ImageGateway.Gateway.Observability;
using ImageGateway.Gateway.Tests.Infrastructure;
using ImageGateway.TestSupport;
using Microsoft.Extensions.Diagnostics.Metrics.Testing;
using Microsoft.Extensions.Options;

namespace ImageGateway.Gateway.Tests.Buffering;

/// <summary>Small uploads are received whole into the buffer pool before dispatch; larger ones stream; the pool's bound holds.</summary>
public sealed class UploadBufferingTests : IAsyncLifetime
{
    private static readonly TimeSpan TestTimeout = TimeSpan.FromSeconds(15);
    private GatewayWithBackend _stack = null!;

    public async Task InitializeAsync() => _stack = await GatewayWithBackend.StartAsync(new Dictionary<string, string?>
    {
        ["Buffering:MaxBodyBytes"] = "10000",
    });

    public async Task DisposeAsync() => await _stack.DisposeAsync();

    [Theory]
    [InlineData(8, "buffered")]      // ~80 bytes, under the 10,000-byte buffering size
    [InlineData(100, "streamed")]    // ~30 KB of noise, over it
    public async Task Upload_ByItsSizeAgainstMaxBodyBytes_IsBufferedOrStreamed_AndArrivesWhole(int side, string outcome)
    {
        using var uploads = new MetricCollector<long>(_stack.Gateway.Services.GetRequiredService<IMeterFactory>(), GatewayMetrics.MeterName, "image_gateway.buffering.uploads");
        var body = CraftedImages.NoisePng(side, side, seed: side);

        using var response = await _stack.PostAsync(body).WaitAsync(TestTimeout);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var measurement = Assert.Single(uploads.GetMeasurementSnapshot());
        Assert.Equal(outcome, measurement.Tags["buffering.outcome"]);
        var received = Assert.Single(_stack.Backend.Received);
        Assert.Equal(Convert.ToHexString(SHA256.HashData(body)), received.Sha256);
        Assert.Equal(body.Length, received.ContentLength);
    }

    [Fact]
    public void TryReserve_OverThePoolsBound_IsRefusedUntilBlocksComeBack()
    {
        var pool = new BufferPool(Options.Create(new BufferingOptions { PoolBytes = 2 * BufferPool.BlockBytes }));

        using var first = pool.TryReserve(BufferPool.BlockBytes + 1); // two blocks: the whole pool
        Assert.NotNull(first);
        Assert.Null(pool.TryReserve(1));
        Assert.Equal(2 * BufferPool.BlockBytes, pool.ReservedBytes);

        first.Dispose();
        using var again = pool.TryReserve(BufferPool.BlockBytes);
        Assert.NotNull(again);
        Assert.Equal(BufferPool.BlockBytes, pool.ReservedBytes);
    }

    [Fact]
    public void PooledBody_AppendedAcrossBlocks_ReadsBackTheSameBytesAndRewinds()
    {
        var pool = new BufferPool(Options.Create(new BufferingOptions()));
        var data = RandomNumberGenerator.GetBytes(3 * BufferPool.BlockBytes + 17);
        using var body = pool.TryReserve(data.Length)!;
        body.Append(data.AsSpan(0, 1000));
        body.Append(data.AsSpan(1000));

        var first = new byte[data.Length];
        var read = 0;
        while (read < first.Length)
        {
            read += body.Read(first, read, Math.Min(5000, first.Length - read));
        }

        body.Position = 0;
        var second = new byte[data.Length];
        Assert.Equal(data.Length, body.Read(second));
        Assert.Equal(data, first);
        Assert.Equal(data, second);
        Assert.Throws<InvalidOperationException>(() => body.Append([1]));
    }
}
