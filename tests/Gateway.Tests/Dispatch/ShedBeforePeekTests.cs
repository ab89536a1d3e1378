using ImageGateway.Gateway.Dispatch;
using ImageGateway.Gateway.Tests.Infrastructure;
using ImageGateway.TestSupport;
using Yarp.ReverseProxy;
using Yarp.ReverseProxy.Model;

namespace ImageGateway.Gateway.Tests.Dispatch;

/// <summary>
/// The real gateway while it sheds before the peek: its scheduler is driven (as
/// <see cref="DispatchSchedulerTests"/> does on its own) to a measured drain rate and a queue that
/// would take far longer than the bound, and requests arrive over raw sockets, headers first, as
/// curl and HttpClient send them with <c>Expect: 100-continue</c>. The shed pause is 10 s, so an
/// answer within 5 s proves it was not paused.
/// </summary>
public sealed class ShedBeforePeekTests : IAsyncLifetime
{
    private const long MiB = 1024 * 1024;
    private static readonly TimeSpan TestTimeout = TimeSpan.FromSeconds(10);
    private static readonly TimeSpan AnswerTimeout = TimeSpan.FromSeconds(5);
    private readonly Queue<DispatchReservation> _held = new();
    private readonly List<Task<DispatchDecision>> _waiting = [];
    private readonly CancellationTokenSource _stopWaiting = new();
    private GatewayWithBackend _stack = null!;

    public async Task InitializeAsync()
    {
        _stack = await GatewayWithBackend.StartAsync(new Dictionary<string, string?>
        {
            ["Dispatch:MaxQueueWait"] = "00:00:10",
            ["Dispatch:ShedPause"] = "00:00:10", // its maximum
        });
        // Every answer of the backend (its health probes' too) reports a 4 MiB budget; one upload's
        // answer makes it the gateway's capacity before the scheduler is driven.
        _stack.Backend.ReportedBudgetBytes = 4 * MiB;
        (await _stack.PostAsync(CraftedImages.Png(8, 8, rows: 8))).Dispose();
        var scheduler = _stack.Gateway.Services.GetRequiredService<DispatchScheduler>();
        Assert.True(_stack.Gateway.Services.GetRequiredService<IProxyStateLookup>().TryGetCluster("backends", out var cluster));
        Assert.Single(cluster.DestinationsState.AvailableDestinations);

        // 4 MiB of capacity, all held, 80 MiB waiting; one upload finishes every 300 ms, so the queue
        // drains at most ~4 MiB/s (1 MiB in a 250 ms window) and a new upload expects ~20 s, over 10 s.
        Assert.Equal(4 * MiB, scheduler.Capacity(cluster.DestinationsState.AvailableDestinations).Capacity);
        for (var i = 0; i < 4; i++)
        {
            _held.Enqueue((await scheduler.ReserveAsync(MiB, cluster, null, null, CancellationToken.None).AsTask().WaitAsync(TestTimeout)).Reservation!);
        }

        for (var i = 0; i < 80; i++)
        {
            _waiting.Add(scheduler.ReserveAsync(MiB, cluster, null, null, _stopWaiting.Token).AsTask());
        }

        for (var step = 0; step < 4; step++)
        {
            await Task.Delay(TimeSpan.FromMilliseconds(300));
            _held.Dequeue().Dispose();
            _held.Enqueue((await _waiting[step].WaitAsync(TestTimeout)).Reservation!);
        }

        Assert.True(scheduler.ShedBeforePeek(cluster.DestinationsState.AvailableDestinations) is not null,
            $"not shedding: drain {scheduler.DrainBytesPerSecond} B/s, {scheduler.Waiting} waiting, {scheduler.QueuedBytes} B queued");
    }

    public async Task DisposeAsync()
    {
        await _stopWaiting.CancelAsync();
        foreach (var reservation in _held)
        {
            reservation.Dispose();
        }

        await Task.WhenAll(_waiting.Select(w => w.ContinueWith(_ => { }, TaskScheduler.Default)));
        _stopWaiting.Dispose();
        await _stack.DisposeAsync();
    }

    [Fact]
    public async Task Upload_WithExpectContinueWhileShedding_Returns503AtOnceWithoutTheBody()
    {
        using var socket = await RawHttp.ConnectAsync(_stack.Gateway.BaseAddress);

        await RawHttp.SendAsync(socket,
            "POST /count-white-pixels HTTP/1.1\r\nHost: gateway\r\nContent-Type: image/png\r\n" +
            "Content-Length: 600000\r\nExpect: 100-continue\r\n\r\n");
        var response = await RawHttp.ReadResponseHeadAsync(socket, AnswerTimeout);

        Assert.StartsWith("HTTP/1.1 503", response, StringComparison.Ordinal);
        Assert.DoesNotContain("100 Continue", response, StringComparison.Ordinal);
        Assert.Contains("Retry-After:", response, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("Connection: close", response, StringComparison.OrdinalIgnoreCase);
        Assert.Equal(1, _stack.Backend.Started); // the setup's upload only
    }

    [Fact]
    public async Task Upload_WithoutExpectContinueWhileShedding_IsAnsweredOnlyAfterTheShedPause()
    {
        using var socket = await RawHttp.ConnectAsync(_stack.Gateway.BaseAddress);

        // The same upload without Expect: the pause (10 s) still paces a client that sends at once.
        await RawHttp.SendAsync(socket,
            "POST /count-white-pixels HTTP/1.1\r\nHost: gateway\r\nContent-Type: image/png\r\nContent-Length: 600000\r\n\r\n");

        var answer = RawHttp.ReadResponseHeadAsync(socket, TimeSpan.FromSeconds(20));
        await Task.WhenAny(answer, Task.Delay(TimeSpan.FromSeconds(2)));
        Assert.False(answer.IsCompleted, "answered before the shed pause");

        var response = await answer;
        Assert.StartsWith("HTTP/1.1 503", response, StringComparison.Ordinal);
        Assert.Equal(1, _stack.Backend.Started); // the setup's upload only
    }

    [Theory]
    [InlineData("Content-Length: 67108864\r\nExpect: 100-continue", "413", "body-too-large")]
    [InlineData("Content-Length: 600000\r\nExpect: 100-continue\r\nContent-Encoding: gzip", "415", "unsupported-content-encoding")]
    [InlineData("Content-Length: 600000\r\nExpect: 100-continue\r\nContent-Type: multipart/form-data; boundary=x", "415", "form-upload")]
    [InlineData("Content-Length: 0", "400", "empty-body")]
    public async Task Upload_ItsHeadersCondemnWhileShedding_GetsItsOwn4xxNot503(string headers, string status, string type)
    {
        using var socket = await RawHttp.ConnectAsync(_stack.Gateway.BaseAddress);

        await RawHttp.SendAsync(socket, $"POST /count-white-pixels HTTP/1.1\r\nHost: gateway\r\n{headers}\r\n\r\n");
        var response = await RawHttp.ReadResponseAsync(socket, AnswerTimeout);

        Assert.StartsWith($"HTTP/1.1 {status}", response, StringComparison.Ordinal);
        Assert.Contains($"urn:image-gateway:problem:{type}", response, StringComparison.Ordinal);
        Assert.DoesNotContain("100 Continue", response, StringComparison.Ordinal);
        Assert.Equal(1, _stack.Backend.Started); // the setup's upload only
    }
}
