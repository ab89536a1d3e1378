using System.Buffers;
using System.Net;
using System.Security.Cryptography;
using ImageGateway.Gateway.Server;
using ImageGateway.Gateway.Tests.Infrastructure;
using ImageGateway.TestSupport;
using Microsoft.AspNetCore.Connections;
using Microsoft.Extensions.Options;

namespace ImageGateway.Gateway.Tests.Server;

public sealed class ConnectionBufferPoolTests
{
    private const int Block = 64 * 1024;

    [Fact]
    public void Rent_LendsLargeBlocksUpToTheBudget_ThenKestrelsOwnBlocks_AndLargeAgainOnceOneIsReturned()
    {
        var small = new CountingPoolFactory();
        var factory = new ConnectionBufferPoolFactory(small, Options.Create(new ConnectionBufferOptions { BlockBytes = Block, BudgetBytes = 2 * Block }));
        using var pool = factory.Create();

        using var first = pool.Rent(2048);
        var second = pool.Rent(2048);
        using var third = pool.Rent(2048); // over the budget of two blocks

        Assert.Equal(Block, first.Memory.Length);
        Assert.Equal(Block, second.Memory.Length);
        Assert.Equal(CountingPoolFactory.BlockBytes, third.Memory.Length);
        Assert.Equal(1, small.Rented);
        Assert.Equal(2 * Block, factory.LentBytes);

        second.Dispose();
        second.Dispose(); // a second dispose gives nothing back twice
        Assert.Equal(Block, factory.LentBytes);
        using var fourth = pool.Rent(2048);
        Assert.Equal(Block, fourth.Memory.Length);
        Assert.Throws<ObjectDisposedException>(() => second.Memory);
    }

    [Fact]
    public void Rent_WithNoBudget_OrMoreThanABlock_IsKestrelsOwn()
    {
        var small = new CountingPoolFactory();
        var off = new ConnectionBufferPoolFactory(small, Options.Create(new ConnectionBufferOptions { BlockBytes = Block, BudgetBytes = 0 }));
        var on = new ConnectionBufferPoolFactory(small, Options.Create(new ConnectionBufferOptions { BlockBytes = Block }));

        using var fromOff = off.Create().Rent(2048);
        using var tooLarge = on.Create().Rent(Block + 1);

        Assert.Equal(CountingPoolFactory.BlockBytes, fromOff.Memory.Length);
        Assert.Equal(CountingPoolFactory.BlockBytes, tooLarge.Memory.Length);
        Assert.Equal(0, off.LentBytes + on.LentBytes);
    }

    [Fact]
    public async Task Upload_ThroughTheGateway_UsesLargeBlocksPastTheBudget_ForwardsItUnchanged_AndGivesEveryBlockBack()
    {
        // A budget of two blocks: a 5 MB upload crosses it on every read while the pipe holds more.
        await using var stack = await GatewayWithBackend.StartAsync(new Dictionary<string, string?> { ["ConnectionBuffers:BudgetBytes"] = (2 * Block).ToString(System.Globalization.CultureInfo.InvariantCulture) });
        var factory = Assert.IsType<ConnectionBufferPoolFactory>(stack.Gateway.Services.GetRequiredService<IMemoryPoolFactory<byte>>());
        var body = CraftedPng.PaddedTo(64, 64, 5_000_000, seed: 5);

        using (var client = stack.Gateway.CreateLoopbackClient())
        using (var cts = new CancellationTokenSource(TimeSpan.FromSeconds(30)))
        {
            using var response = await client.PostAsync("/count-white-pixels", new ByteArrayContent(body), cts.Token);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Console.WriteLine($"ConnectionBufferPoolTests: {factory.LentBytes} bytes of large blocks lent with the connection open");
        }

        var received = Assert.Single(stack.Backend.Received);
        Assert.Equal(Convert.ToHexString(SHA256.HashData(body)), received.Sha256);
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        while (factory.LentBytes > 0 && DateTime.UtcNow < deadline)
        {
            await Task.Delay(50); // the gateway sees the client close its connection
        }

        Assert.Equal(0, factory.LentBytes);
    }

    /// <summary>Stands in for Kestrel's pool factory: 4 KiB blocks, counted.</summary>
    private sealed class CountingPoolFactory : IMemoryPoolFactory<byte>
    {
        public const int BlockBytes = 4096;

        private int _rented;

        public int Rented => Volatile.Read(ref _rented);

        public MemoryPool<byte> Create(MemoryPoolOptions? options = null) => new Pool(this);

        private sealed class Pool(CountingPoolFactory factory) : MemoryPool<byte>
        {
            public override int MaxBufferSize => BlockBytes;

            public override IMemoryOwner<byte> Rent(int minBufferSize = -1)
            {
                Interlocked.Increment(ref factory._rented);
                return new Owner(new byte[BlockBytes]);
            }

            protected override void Dispose(bool disposing)
            {
            }
        }

        private sealed class Owner(byte[] array) : IMemoryOwner<byte>
        {
            public Memory<byte> Memory => array;

            public void Dispose()
            {
            }
        }
    }
}
