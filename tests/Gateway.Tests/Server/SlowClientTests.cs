using System.Globalization;
using ImageGateway.Gateway.Tests.Infrastructure;
using ImageGateway.Gateway.Dispatch;
using ImageGateway.TestSupport;
using Yarp.ReverseProxy;

namespace ImageGateway.Gateway.Tests.Server;

/// <summary>Slowloris clients are cut by Kestrel's limits and give their capacity back (streamed uploads: buffering off here).</summary>
public sealed class SlowClientTests : IAsyncLifetime
{
    private GatewayWithBackend _stack = null!;

    public async Task InitializeAsync() => _stack = await GatewayWithBackend.StartAsync(new Dictionary<string, string?>
    {
        ["SlowClients:RequestHeadersTimeout"] = "00:00:01",
        ["SlowClients:MinRequestBodyBytesPerSecond"] = "1000",
        ["SlowClients:MinRequestBodyGracePeriod"] = "00:00:02",
        ["Buffering:MaxBodyBytes"] = "0",
    });

    public async Task DisposeAsync() => await _stack.DisposeAsync();

    [Fact]
    public async Task Connection_ThatNeverFinishesItsHeaders_IsClosed()
    {
        using var socket = await RawHttp.ConnectAsync(_stack.Gateway.BaseAddress);
        await RawHttp.SendAsync(socket, "POST /count-white-pixels HTTP/1.1\r\nHost: gateway\r\nContent-Type: ima");

        // Closed by the 1 s header timeout, well before this test's own 15 s bound.
        var answer = await RawHttp.ReadToCloseAsync(socket, TimeSpan.FromSeconds(15));

        Assert.True(answer.Length == 0 || answer.StartsWith("HTTP/1.1 408", StringComparison.Ordinal), answer);
        Assert.Equal(0, _stack.Backend.Started);
    }

    [Fact]
    public async Task Upload_TricklingDuringThePeek_Returns408RequestTimeoutProblem()
    {
        using var socket = await RawHttp.ConnectAsync(_stack.Gateway.BaseAddress);
        await RawHttp.SendAsync(socket,
            "POST /count-white-pixels HTTP/1.1\r\nHost: gateway\r\nContent-Type: image/png\r\nContent-Length: 100000\r\n\r\nGIF8");

        // Four bytes of a GIF signature, then nothing: below 1000 B/s once the 2 s grace period is over.
        var answer = await RawHttp.ReadToCloseAsync(socket, TimeSpan.FromSeconds(15));

        Assert.StartsWith("HTTP/1.1 408", answer, StringComparison.Ordinal);
        Assert.Contains("application/problem+json", answer, StringComparison.Ordinal);
        Assert.Contains("urn:image-gateway:problem:request-timeout", answer, StringComparison.Ordinal);
        Assert.Equal(0, _stack.Backend.Started);
    }

    [Fact]
    public async Task Upload_TricklingItsBodyBelowTheMinimumRate_IsCutAndGivesItsCapacityBack()
    {
        var scheduler = _stack.Gateway.Services.GetRequiredService<DispatchScheduler>();
        Assert.True(_stack.Gateway.Services.GetRequiredService<IProxyStateLookup>().TryGetCluster("backends", out var cluster));
        (long Capacity, long Free) Capacity() { var (capacity, free, _) = scheduler.Capacity(cluster.DestinationsState.AvailableDestinations); return (capacity, free); }
        (await _stack.PostAsync(CraftedImages.Png(8, 8, rows: 8))).Dispose(); // its answer carries the backend's first load report
        var header = CraftedImages.Png(100, 100, rows: 1, withEnd: false);
        using var socket = await RawHttp.ConnectAsync(_stack.Gateway.BaseAddress);
        await RawHttp.SendAsync(socket,
            "POST /count-white-pixels HTTP/1.1\r\nHost: gateway\r\nContent-Type: image/png\r\n" +
            $"Content-Length: {header.Length + 100_000}\r\n\r\n");
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        await socket.SendAsync(header, System.Net.Sockets.SocketFlags.None, cts.Token);
        await _stack.Backend.WaitForInFlightAsync(1, TimeSpan.FromSeconds(10));
        Assert.True(Capacity().Free < Capacity().Capacity, "the dispatched upload holds capacity");

        // One byte every 100 ms is 10 B/s, far below the 1000 B/s minimum.
        var trickle = Task.Run(async () =>
        {
            try
            {
                for (var i = 0; i < 150; i++)
                {
                    await socket.SendAsync(new byte[1], System.Net.Sockets.SocketFlags.None, cts.Token);
                    await Task.Delay(100, cts.Token);
                }
            }
            catch (Exception ex) when (ex is System.Net.Sockets.SocketException or OperationCanceledException)
            {
                // Cut by the gateway, as intended.
            }
        });

        await RawHttp.ReadToCloseAsync(socket, TimeSpan.FromSeconds(15));
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        while (Capacity().Free < Capacity().Capacity && DateTime.UtcNow < deadline)
        {
            await Task.Delay(50);
        }

        Assert.Equal(Capacity().Capacity, Capacity().Free);
        Assert.DoesNotContain(_stack.Backend.Received, r => r.ContentLength == header.Length + 100_000);
        await cts.CancelAsync();
        await trickle.WaitAsync(TimeSpan.FromSeconds(5));
    }
}
