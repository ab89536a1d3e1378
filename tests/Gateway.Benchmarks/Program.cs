using System.Globalization;
using ImageGateway.Gateway.Benchmarks;
using ImageGateway.TestSupport;

// Gateway benchmark (not a test): the real gateway as a process in front of in-process sink
// backends on loopback. Bounded: about a minute. Run from the repository root:
//   dotnet run -c Release --project tests/Gateway.Benchmarks
var configuration = Stack.Configuration(typeof(SinkBackend).Assembly);
var quiet = new Dictionary<string, string> { ["Logging__LogLevel__Default"] = "Warning" };
var duration = TimeSpan.FromSeconds(double.Parse(Environment.GetEnvironmentVariable("BENCH_SECONDS") ?? "5", CultureInfo.InvariantCulture));
var warmup = TimeSpan.FromSeconds(1);
Console.WriteLine($"Gateway benchmark ({configuration}), {Environment.ProcessorCount} cores, {duration.TotalSeconds} s a run after {warmup.TotalSeconds} s warm-up");

// 1. Throughput and latency, direct to the backend vs through the gateway, in one run.
await using (var sink = await SinkBackend.StartAsync())
await using (var gateway = await Stack.StartGatewayAsync(configuration, [sink.BaseAddress], quiet))
{
    foreach (var (label, size, concurrency) in new[] { ("~50 KB", 50_000, 8), ("~5 MB", 5_000_000, 4) })
    {
        var body = Payload(size);
        var direct = await Load.RunAsync(sink.BaseAddress, body, concurrency, duration, warmup);
        var through = await Load.RunAsync(gateway.BaseAddress, body, concurrency, duration, warmup);
        Console.WriteLine($"{label} uploads, {concurrency} concurrent:");
        Console.WriteLine($"  direct   {direct}");
        Console.WriteLine($"  gateway  {through}");
        Console.WriteLine($"  gateway/direct throughput {through.RequestsPerSecond / direct.RequestsPerSecond:F2} (goal >= 0.85)");
    }
}

// 2. Gateway memory with 32 uploads of 16 MiB in flight at once: the backend reads each at
// 2 MiB/s, so every upload streams through the gateway for ~8 s. The decode budget is raised so
// the limiter admits all 32 (this measures streaming, not throttling).
await using (var slow = await SinkBackend.StartAsync(readBytesPerSecond: 2 * 1024 * 1024))
await using (var gateway = await Stack.StartGatewayAsync(configuration, [slow.BaseAddress],
    new Dictionary<string, string>(quiet) { ["Throttling__DecodeBudgetBytesPerBackend"] = (4L << 30).ToString(CultureInfo.InvariantCulture) }))
{
    var small = Payload(50_000);
    await Load.RunAsync(gateway.BaseAddress, small, 4, TimeSpan.FromSeconds(2), TimeSpan.FromSeconds(1));
    await Task.Delay(1000);
    var idle = RssBytes(gateway.Pid);

    var body = Payload(16 * 1024 * 1024);
    using var client = new HttpClient { BaseAddress = gateway.BaseAddress, Timeout = TimeSpan.FromSeconds(60) };
    using var stop = new CancellationTokenSource();
    var uploads = Enumerable.Range(0, 32).Select(_ => client.PostAsync("/count-white-pixels", new ByteArrayContent(body), stop.Token)).ToList();
    long peak = 0;
    var maxInFlight = 0;
    var until = DateTime.UtcNow + TimeSpan.FromSeconds(6);
    while (DateTime.UtcNow < until)
    {
        peak = Math.Max(peak, RssBytes(gateway.Pid));
        maxInFlight = Math.Max(maxInFlight, Volatile.Read(ref slow.InFlight));
        await Task.Delay(100);
    }

    await stop.CancelAsync();
    await Task.WhenAll(uploads.Select(u => u.ContinueWith(_ => { }, TaskScheduler.Default)));
    Console.WriteLine($"32 concurrent 16 MiB uploads ({maxInFlight} in flight at the backend at once):");
    Console.WriteLine($"  gateway RSS idle {idle / 1048576.0:F1} MiB, peak {peak / 1048576.0:F1} MiB, growth {(peak - idle) / 1048576.0:F1} MiB (goal < 32 MiB)");
}

// 3. Load balancing: one fast backend and one that takes 30 ms longer per request.
foreach (var policy in new[] { "PowerOfTwoChoices", "LeastRequests" })
{
    await using var fast = await SinkBackend.StartAsync();
    await using var slow = await SinkBackend.StartAsync(delay: TimeSpan.FromMilliseconds(30));
    await using var gateway = await Stack.StartGatewayAsync(configuration, [fast.BaseAddress, slow.BaseAddress],
        new Dictionary<string, string>(quiet) { ["ReverseProxy__Clusters__backends__LoadBalancingPolicy"] = policy });
    var result = await Load.RunAsync(gateway.BaseAddress, Payload(50_000), 16, duration, warmup);
    var share = (double)slow.Requests / (fast.Requests + slow.Requests);
    Console.WriteLine($"{policy,-18} {result}  slow backend share {share:P0}");
}

static byte[] Payload(int size)
{
    // A valid 64x64 PNG header, then bytes: the gateway accepts it; the sink does not decode it.
    var header = CraftedImages.Png(64, 64, rows: 1, withEnd: false);
    var body = new byte[size];
    new Random(size).NextBytes(body);
    header.CopyTo(body, 0);
    return body;
}

static long RssBytes(int pid)
{
    foreach (var line in File.ReadLines($"/proc/{pid}/status"))
    {
        if (line.StartsWith("VmRSS:", StringComparison.Ordinal))
        {
            return long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture) * 1024;
        }
    }

    throw new InvalidOperationException($"No VmRSS for {pid}.");
}
