using ImageGateway.Resilience.Tests.Support;
using ImageGateway.TestSupport.Load;
using ImageGateway.TestSupport;

namespace ImageGateway.Resilience.Tests.Faults;

public sealed class SlowlorisTests(ITestOutputHelper output)
{
    /// <summary>Slow connections of each kind (endless headers, 1 byte/s body).</summary>
    private const int Connections = 40;

    /// <summary>Time allowed beyond the configured limit for Kestrel's once-a-second heartbeat and a loaded machine.</summary>
    private static readonly TimeSpan Slack = TimeSpan.FromSeconds(5);

    /// <summary>The slowest an ordinary upload may be answered while the slow clients hold their connections.</summary>
    private static readonly TimeSpan ServedWithin = TimeSpan.FromSeconds(3);

    [Fact]
    public async Task SlowlorisClients_AreCutOffWithinTheGatewayLimits_AndOthersAreServedMeanwhile()
    {
        // Slow bodies announce an ordinary upload size; see the test below for large ones.
        await RunAsync(SlowClient.SlowBody(64 * 1024));
    }

    [Fact]
    public async Task SlowBodiesAnnouncingLargeUploads_AreCutOff_AndDoNotStarveOthers()
    {
        await RunAsync(SlowClient.SlowBody(1 << 20));
    }

    /// <summary>
    /// Phones on a poor link: 40 uploads of a 1 MiB photo at 40 KiB/s each (25 s per upload, well above
    /// the minimum data rate) are received whole into the gateway's buffer pool before they ask for
    /// capacity, so they hold no backend's budget while they trickle: ordinary uploads meanwhile are
    /// counted, and the gateway's memory stays within the pool's bound.
    /// </summary>
    [Fact]
    public async Task SlowPhotoUploads_AreBufferedAtTheGateway_WhileOrdinaryUploadsAreCounted()
    {
        const int slowUploads = 40;
        const long poolBytes = 48L << 20;
        var photo = CraftedImages.NoisePng(590, 590, seed: 7); // about 1 MiB
        await using var stack = await ResilientStack.StartAsync(output, backendCount: 2, gatewayEnvironment: new Dictionary<string, string>
        {
            ["Buffering__PoolBytes"] = poolBytes.ToString(System.Globalization.CultureInfo.InvariantCulture),
        });
        var gateway = stack.Gateway;
        var idleRss = ProcessMemory.RssBytes(gateway.Pid);
        using var sampling = new CancellationTokenSource();
        var peakRss = ProcessMemory.SamplePeakAsync(gateway.Pid, TimeSpan.FromMilliseconds(200), sampling.Token);
        var poolPeak = PoolPeakAsync(gateway.ManagementAddress, sampling.Token);
        using var bound = new CancellationTokenSource(TimeSpan.FromSeconds(90));

        var slow = Enumerable.Range(0, slowUploads).Select(async i =>
        {
            await Task.Delay(TimeSpan.FromMilliseconds(50 * i), bound.Token); // phones do not start in step
            return await SlowClient.UploadAsync(gateway.Port, photo, 40 * 1024, bound.Token);
        }).ToArray();
        await Task.Delay(TimeSpan.FromSeconds(4), bound.Token); // all 40 trickling
        await using var load = BackgroundLoad.Start(gateway.BaseAddress, Uploads.SmallPng, users: 4, pause: TimeSpan.FromMilliseconds(50), requestTimeout: TimeSpan.FromSeconds(10));
        await Task.Delay(TimeSpan.FromSeconds(15), bound.Token); // while they are still in flight (25 s each)
        var ordinary = await load.StopAsync();
        var slowStatuses = await Task.WhenAll(slow).WaitAsync(TimeSpan.FromSeconds(60));
        await sampling.CancelAsync();
        var peak = await peakRss;
        var peakPool = await poolPeak;

        var counted = ordinary.Count(o => o.Status == 200);
        output.WriteLine($"ordinary uploads while 40 slow ones trickled: {counted} of {ordinary.Count} counted (200); others: {string.Join(", ", ordinary.Where(o => o.Status != 200).GroupBy(o => o.Status).Select(g => $"{g.Key} x{g.Count()}"))}");
        output.WriteLine($"slow uploads' answers: {string.Join(", ", slowStatuses.GroupBy(s => s).Select(g => $"{g.Key} x{g.Count()}"))}");
        output.WriteLine($"gateway RSS: idle {idleRss / 1048576.0:F1} MiB, peak {peak / 1048576.0:F1} MiB, growth {(peak - idleRss) / 1048576.0:F1} MiB; buffer pool peak {peakPool / 1048576.0:F1} MiB of its {poolBytes >> 20} MiB bound");

        Assert.True(ordinary.Count >= 40, $"only {ordinary.Count} ordinary uploads were made");
        Assert.True(counted >= 0.95 * ordinary.Count, $"{counted} of {ordinary.Count} ordinary uploads counted:{Environment.NewLine}{Uploads.Describe(ordinary.Where(o => o.Status != 200))}");
        Assert.True(slowStatuses.Count(s => s == 200) >= slowUploads / 2, $"slow uploads: {string.Join(", ", slowStatuses)}");
        // The pool never lent more than its bound, and the process grew by the pool plus what the
        // runtime, Kestrel and the ordinary traffic take (17 MiB in the streaming test below; server GC).
        Assert.True(peakPool <= poolBytes, $"the buffer pool held {peakPool} bytes, over its {poolBytes}");
        Assert.True(peakPool >= 20L << 20, $"the buffer pool held only {peakPool} bytes: the slow uploads were not buffered");
        Assert.True(peak - idleRss <= poolBytes + (40L << 20), $"gateway RSS grew by {(peak - idleRss) >> 20} MiB, over the {poolBytes >> 20} MiB pool + 40 MiB");
    }

    /// <summary>
    /// Uploads larger than the buffering size stream as before: 8 slow 3 MiB uploads hold no pool
    /// memory and the gateway's memory grows by no more than their connection buffers.
    /// </summary>
    [Fact]
    public async Task SlowUploadsLargerThanTheBufferingSize_StreamWithBoundedGatewayMemory()
    {
        var photo = CraftedImages.NoisePng(1024, 1024, seed: 9); // about 3 MiB, over the 2 MiB buffering size
        await using var stack = await ResilientStack.StartAsync(output, backendCount: 1);
        var gateway = stack.Gateway;
        var idleRss = ProcessMemory.RssBytes(gateway.Pid);
        using var sampling = new CancellationTokenSource();
        var peakRss = ProcessMemory.SamplePeakAsync(gateway.Pid, TimeSpan.FromMilliseconds(200), sampling.Token);
        using var bound = new CancellationTokenSource(TimeSpan.FromSeconds(8));

        var slow = Enumerable.Range(0, 8).Select(_ => SlowClient.UploadAsync(gateway.Port, photo, 200 * 1024, bound.Token)).ToArray();
        try
        {
            await Task.WhenAll(slow);
        }
        catch (OperationCanceledException)
        {
            // Cut after 8 s on purpose: what matters is the memory while they streamed.
        }

        await sampling.CancelAsync();
        var peak = await peakRss;
        output.WriteLine($"gateway RSS: idle {idleRss / 1048576.0:F1} MiB, peak {peak / 1048576.0:F1} MiB, growth {(peak - idleRss) / 1048576.0:F1} MiB");

        // Each streaming upload holds at most its connection's input buffer (peek window + 64 KiB = 576 KiB).
        Assert.True(peak - idleRss <= 8 * (576L << 10) + (24L << 20), $"gateway RSS grew by {(peak - idleRss) >> 20} MiB");
    }

    /// <summary>The highest <c>image_gateway.buffering.pool.usage</c> the gateway's management /metrics showed, sampled every 200 ms until cancelled.</summary>
    private static async Task<long> PoolPeakAsync(Uri management, CancellationToken stop)
    {
        using var client = new HttpClient { BaseAddress = management, Timeout = TimeSpan.FromSeconds(5) };
        long peak = 0;
        while (!stop.IsCancellationRequested)
        {
            try
            {
                var text = await client.GetStringAsync("/metrics", stop);
                var line = text.Split('\n').FirstOrDefault(l => l.StartsWith("image_gateway_buffering_pool_usage_bytes{", StringComparison.Ordinal));
                if (line is not null)
                {
                    peak = Math.Max(peak, (long)double.Parse(line[(line.LastIndexOf(' ') + 1)..], System.Globalization.CultureInfo.InvariantCulture));
                }

                await Task.Delay(200, stop);
            }
            catch (Exception ex) when (ex is OperationCanceledException or HttpRequestException)
            {
                // Stopped, or a scrape lost to load: the next one counts.
            }
        }

        return peak;
    }

    private async Task RunAsync(string slowBody)
    {
        var limits = GatewayLimits.Read();
        var headerBound = limits.RequestHeadersTimeout + Slack;
        var bodyBound = limits.BodyRateGracePeriod + Slack;
        await using var stack = await ResilientStack.StartAsync(output, backendCount: 1);
        var port = stack.Gateway.Port;

        var headers = Enumerable.Range(0, Connections).Select(_ => SlowClient.DripAsync(port, SlowClient.EndlessHeaders, headerBound + Slack)).ToArray();
        var bodies = Enumerable.Range(0, Connections).Select(_ => SlowClient.DripAsync(port, slowBody, bodyBound + Slack)).ToArray();
        await using var load = BackgroundLoad.Start(stack.Gateway.BaseAddress, Uploads.SmallPng, users: 2, pause: TimeSpan.FromMilliseconds(100));

        var bodyCuts = await Task.WhenAll(bodies).WaitAsync(bodyBound + Slack + TimeSpan.FromSeconds(30));
        var headerCuts = await Task.WhenAll(headers).WaitAsync(headerBound + Slack + TimeSpan.FromSeconds(30));
        var outcomes = await load.StopAsync();

        output.WriteLine($"limits: headers {limits.RequestHeadersTimeout.TotalSeconds} s, body rate grace {limits.BodyRateGracePeriod.TotalSeconds} s");
        output.WriteLine($"slow bodies cut after {Describe(bodyCuts)}; endless headers cut after {Describe(headerCuts)}");
        output.WriteLine($"{outcomes.Count} ordinary uploads meanwhile, slowest {outcomes.Max(o => o.Duration).TotalMilliseconds:F0} ms, {outcomes.Count(o => o.Status != 200)} not 200");

        Assert.All(bodyCuts, cut => Assert.True(cut <= bodyBound, $"a 1 byte/s body was still open after {bodyBound.TotalSeconds} s"));
        Assert.All(headerCuts, cut => Assert.True(cut <= headerBound, $"endless headers were still open after {headerBound.TotalSeconds} s"));
        Assert.True(outcomes.Count >= 20, $"only {outcomes.Count} ordinary uploads were made");
        Assert.All(outcomes, o => Assert.True(o.Status == 200 && o.Duration <= ServedWithin, $"an ordinary upload was starved: {o}"));
    }

    private static string Describe(TimeSpan?[] cuts) => cuts.Any(c => c is null)
        ? $"never ({cuts.Count(c => c is null)} of {cuts.Length} still open)"
        : $"{cuts.Min()!.Value.TotalSeconds:F1}..{cuts.Max()!.Value.TotalSeconds:F1} s";
}
