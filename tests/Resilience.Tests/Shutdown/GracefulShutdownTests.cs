using System.Net;
using System.Net.Sockets;
using ImageGateway.Resilience.Tests.Faults;
using ImageGateway.Resilience.Tests.Support;
using ImageGateway.TestSupport;

namespace ImageGateway.Resilience.Tests.Shutdown;

/// <summary>SIGTERM on the real apps, with short Shutdown options so the phases fit in seconds.</summary>
public sealed class GracefulShutdownTests(ITestOutputHelper output)
{
    private static readonly TimeSpan DrainDelay = TimeSpan.FromSeconds(2);
    private static readonly TimeSpan InFlightTimeout = TimeSpan.FromSeconds(4);

    private static readonly Dictionary<string, string> ShortShutdown = new()
    {
        ["Shutdown__DrainDelay"] = DrainDelay.ToString(),
        ["Shutdown__InFlightTimeout"] = InFlightTimeout.ToString(),
    };

    public static TheoryData<string> Apps => new() { "backend", "gateway" };

    [Theory]
    [MemberData(nameof(Apps))]
    public async Task Sigterm_NotReadyAtOnce_ServesThroughDrain_ClosesListener_FinishesInFlightUpload_ExitsZero(string app)
    {
        await using var run = await TerminateWithUploadInFlightAsync(app);
        var (target, client, upload, clock) = (run.Target, run.Client, run.Upload, run.Clock);

        // Not ready at once, yet still serving new requests during the drain.
        Assert.True(await Eventually.HoldsAsync(async () => await ReadyStatusAsync(client) == HttpStatusCode.ServiceUnavailable, TimeSpan.FromSeconds(1)),
            "readiness did not turn 503 within 1 s of SIGTERM");
        using (var duringDrain = await client.PostAsync("/count-white-pixels", new ByteArrayContent(Uploads.SmallPng)))
        {
            Assert.Equal(HttpStatusCode.OK, duringDrain.StatusCode);
        }

        // After the drain the listener is closed: new connections are refused.
        Assert.True(await Eventually.HoldsAsync(() => !Accepts(target.Port), DrainDelay + TimeSpan.FromSeconds(2)),
            "the listener was still open well after the drain delay");
        var closedAfter = clock.Elapsed;
        Assert.True(closedAfter >= DrainDelay - TimeSpan.FromMilliseconds(200), $"the listener closed after {closedAfter}, before the drain delay");

        // The upload that was in flight all along still gets its answer.
        upload.Release();
        using var response = await run.InFlight.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);

        var exit = await target.WaitForExitAsync(TimeSpan.FromSeconds(10));
        output.WriteLine($"{app}: listener closed {closedAfter.TotalSeconds:F1} s after SIGTERM, exited with {exit} after {clock.Elapsed.TotalSeconds:F1} s");
        Assert.Equal(0, exit);
    }

    [Theory]
    [MemberData(nameof(Apps))]
    public async Task Sigterm_WithAnUploadThatNeverFinishes_StopsWithinDrainPlusInFlightTimeout(string app)
    {
        await using var run = await TerminateWithUploadInFlightAsync(app);
        var exit = await run.Target.WaitForExitAsync(DrainDelay + InFlightTimeout + TimeSpan.FromSeconds(5));
        var stoppedAfter = run.Clock.Elapsed;
        output.WriteLine($"{app}: exited with {exit} {stoppedAfter.TotalSeconds:F1} s after SIGTERM (drain {DrainDelay.TotalSeconds} s + in-flight {InFlightTimeout.TotalSeconds} s)");

        Assert.NotNull(exit);
        Assert.True(stoppedAfter >= DrainDelay, $"stopped after {stoppedAfter}, before the drain delay");
        Assert.True(stoppedAfter <= DrainDelay + InFlightTimeout + TimeSpan.FromSeconds(2), $"stopped only after {stoppedAfter}");

        // The stuck client is not left hanging: once it sends again, its request ends (reset or an error answer).
        run.Upload.Release();
        var ended = await Task.WhenAny(run.InFlight, Task.Delay(TimeSpan.FromSeconds(5)));
        Assert.Same(run.InFlight, ended);
    }

    /// <summary>A backend and a gateway; <paramref name="app"/> gets an upload half sent, then SIGTERM.</summary>
    private async Task<TerminatedRun> TerminateWithUploadInFlightAsync(string app)
    {
        var stack = await ResilientStack.StartAsync(output, backendCount: 1, backendEnvironment: app == "backend" ? ShortShutdown : null,
            gatewayEnvironment: app == "gateway" ? ShortShutdown : null);
        var target = app == "backend" ? stack.Backends[0] : stack.Gateway;
        var client = new HttpClient { BaseAddress = target.BaseAddress, Timeout = TimeSpan.FromSeconds(30) };
        var upload = new GatedContent(Uploads.SmallPng);
        var inFlight = client.PostAsync("/count-white-pixels", upload);
        await upload.FirstHalfSent.WaitAsync(TimeSpan.FromSeconds(10));
        var clock = System.Diagnostics.Stopwatch.StartNew();
        target.Terminate();
        return new TerminatedRun(stack, target, client, upload, inFlight, clock);
    }

    private sealed record TerminatedRun(ResilientStack Stack, AppProcess Target, HttpClient Client, GatedContent Upload,
        Task<HttpResponseMessage> InFlight, System.Diagnostics.Stopwatch Clock) : IAsyncDisposable
    {
        public async ValueTask DisposeAsync()
        {
            Upload.Release();
            Client.Dispose();
            await Stack.DisposeAsync();
        }
    }

    private static async Task<HttpStatusCode?> ReadyStatusAsync(HttpClient client)
    {
        try
        {
            using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(2));
            using var response = await client.GetAsync("/health/ready", cts.Token);
            return response.StatusCode;
        }
        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException)
        {
            return null;
        }
    }

    private static bool Accepts(int port)
    {
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            socket.Connect(IPAddress.Loopback, port);
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }
}
