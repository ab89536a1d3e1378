using System.Globalization;
using ImageGateway.Gateway.Benchmarks;
using ImageGateway.TestSupport;

// Gateway benchmark (not a test): the real gateway as a process in front of real backends or
// in-process sinks, all on loopback. Bounded: about seven minutes. From the repository root:
//   dotnet run -c Release --project tests/Gateway.Benchmarks [-- throughput memory balancing]
// "throughput" runs both CPU shapes; "shared" or "pinned" runs one.
// BENCH_SECONDS sets the length of each measured run (default 3), BENCH_ROUNDS the interleaved
// rounds of the throughput comparison (default 3), BENCH_UPLOADS the uploads in flight in the
// memory part (default 32).
var parts = args.Length > 0 ? args.ToHashSet(StringComparer.OrdinalIgnoreCase) : ["throughput", "memory", "balancing"];
var configuration = Stack.Configuration(typeof(SinkBackend).Assembly);
var quiet = new Dictionary<string, string> { ["Logging__LogLevel__Default"] = "Warning" };
var duration = TimeSpan.FromSeconds(double.Parse(Environment.GetEnvironmentVariable("BENCH_SECONDS") ?? "3", CultureInfo.InvariantCulture));
var rounds = int.Parse(Environment.GetEnvironmentVariable("BENCH_ROUNDS") ?? "3", CultureInfo.InvariantCulture);
var warmup = TimeSpan.FromSeconds(1);
var uploadsInFlight = int.Parse(Environment.GetEnvironmentVariable("BENCH_UPLOADS") ?? "32", CultureInfo.InvariantCulture);
Console.WriteLine($"Gateway benchmark ({configuration}), {Environment.ProcessorCount} cores, {duration.TotalSeconds} s a run after {warmup.TotalSeconds} s warm-up, load average {File.ReadAllText("/proc/loadavg").Split(' ')[0]}");

// The throughput part runs in two shapes. "shared": load client, gateway and backend share all
// cores, as on one small machine. "pinned": the deployed shape, where a backend has CPUs of its
// own: the backend alone on one core, the load client and the gateway on another, in the direct
// runs as in the gateway runs, so the backend gets the same CPU in both.
var shapes = new[] { "shared", "pinned" }.Where(shape => parts.Contains(shape) || parts.Contains("throughput")).ToList();
if (shapes.Count > 0)
{
    // "YARP only" is a second route in the same gateway, /bare/..., with no inspection and no rate
    // limiting: what the proxy hop itself costs. "+ inspection" adds the header peek. (Route
    // settings go in as environment variables, whose names AppProcess's /bin/sh keeps only without
    // '-', hence route names without one.) Fair share is off: there is one load client.
    var gatewayEnvironment = new Dictionary<string, string>(quiet)
    {
        ["Dispatch__ClientShare"] = "0",
        ["ReverseProxy__Routes__bare__ClusterId"] = "backends",
        ["ReverseProxy__Routes__bare__Match__Path"] = "/bare/count-white-pixels",
        ["ReverseProxy__Routes__bare__RateLimiterPolicy"] = "Disable",
        ["ReverseProxy__Routes__bare__Transforms__0__PathRemovePrefix"] = "/bare",
        ["ReverseProxy__Routes__inspected__ClusterId"] = "backends",
        ["ReverseProxy__Routes__inspected__Match__Path"] = "/inspected/count-white-pixels",
        ["ReverseProxy__Routes__inspected__RateLimiterPolicy"] = "Disable",
        ["ReverseProxy__Routes__inspected__Metadata__ImageInspection"] = "true",
        ["ReverseProxy__Routes__inspected__Transforms__0__PathRemovePrefix"] = "/inspected",
    };
    var allCpus = CpuAffinity.Of(Environment.ProcessId).Order().ToArray();
    foreach (var shape in shapes)
    {
        if (shape == "pinned" && allCpus.Length < 2)
        {
            Console.WriteLine($"Pinned shape skipped: this process may run on {allCpus.Length} CPU only.");
            continue;
        }

        // 1a. Against the real backend (it decodes and counts): the product's own path.
        int[] backendCpus = shape == "pinned" ? [allCpus[1]] : allCpus;
        int[] frontCpus = shape == "pinned" ? [allCpus[0]] : allCpus;
        CpuAffinity.PinThisProcess(frontCpus);
        try
        {
            await using var backend = await CpuAffinity.StartOn(backendCpus, () => Stack.StartBackendAsync(configuration, "backend", quiet));

            // The gateway weighs uploads against the budget the backend reports on every answer
            // (its ORCA load report), so it admits what this backend, unlimited here, takes.
            var environment = new Dictionary<string, string>(gatewayEnvironment);
            await using var gateway = await CpuAffinity.StartOn(frontCpus, () => Stack.StartGatewayAsync(configuration, [backend.BaseAddress], environment));
            if (!CpuAffinity.Of(backend.Pid).SetEquals(backendCpus) || !CpuAffinity.Of(gateway.Pid).SetEquals(frontCpus))
            {
                throw new InvalidOperationException("The backend or the gateway did not start on the CPUs it was given.");
            }

            Console.WriteLine($"Real backend (decodes and counts noise PNGs), {shape}: backend on CPUs {string.Join(",", CpuAffinity.Of(backend.Pid).Order())}, " +
                $"gateway on {string.Join(",", CpuAffinity.Of(gateway.Pid).Order())}, load client on {string.Join(",", CpuAffinity.Of(Environment.ProcessId).Order())}:");
            var cpu = new ProcessCpu(new Dictionary<string, int> { ["client"] = Environment.ProcessId, ["gateway"] = gateway.Pid, ["backend"] = backend.Pid });
            await CompareAsync(backend.BaseAddress, gateway.BaseAddress, "~50 KB (128x128)", CraftedImages.NoisePng(128, 128, 1), 4, cpu);
            await CompareAsync(backend.BaseAddress, gateway.BaseAddress, "~5 MB (1300x1300)", CraftedImages.NoisePng(1300, 1300, 2), 2, cpu);
        }
        finally
        {
            CpuAffinity.PinThisProcess(allCpus);
        }

        if (shape != "shared")
        {
            continue;
        }

        // 1b. Against a sink in the load client's process that does no work: the proxy hop alone,
        // an upper bound on its cost, and route by route where the gateway's own time goes.
        // The sink decodes nothing and sends no load report, so the gateway may send it more uploads
        // at once than the load ever has in flight: dispatch still weighs every upload (its CPU is
        // measured), but never queues one.
        await using var sink = await SinkBackend.StartAsync();
        await using var sinkGateway = await Stack.StartGatewayAsync(configuration, [sink.BaseAddress],
            new Dictionary<string, string>(gatewayEnvironment) { ["Dispatch__UnreportedUploads"] = "1024" });
        var sinkCpu = new ProcessCpu(new Dictionary<string, int> { ["client+sink"] = Environment.ProcessId, ["gateway"] = sinkGateway.Pid });
        Console.WriteLine("Null backend (reads the body, answers 200), shared:");
        await CompareAsync(sink.BaseAddress, sinkGateway.BaseAddress, "~50 KB", Payload(50_000), 8, sinkCpu);
        await CompareAsync(sink.BaseAddress, sinkGateway.BaseAddress, "~5 MB", Payload(5_000_000), 4, sinkCpu);
        Target[] stages =
        [
            new("YARP only", sinkGateway.BaseAddress, "/bare/count-white-pixels"),
            new("+ inspection", sinkGateway.BaseAddress, "/inspected/count-white-pixels"),
            new("+ decode budget", sinkGateway.BaseAddress, "/count-white-pixels"),
        ];
        await MeasureAsync("~50 KB", Payload(50_000), 8, stages, sinkCpu);
        await MeasureAsync("~5 MB", Payload(5_000_000), 4, stages, sinkCpu);
    }
}

if (parts.Contains("memory"))
{
    // 2. Gateway memory with 32 uploads of 16 MiB in flight at once: the sink reads each at
    // 2 MiB/s, so every upload streams through the gateway for ~8 s. The decode budget is raised
    // so the limiter admits all 32 (this measures streaming, not throttling).
    await using var slow = await SinkBackend.StartAsync(readBytesPerSecond: 2 * 1024 * 1024);
    await using var gateway = await Stack.StartGatewayAsync(configuration, [slow.BaseAddress],
        new Dictionary<string, string>(quiet)
        {
            ["Dispatch__UnreportedUploads"] = "1024",
            ["Dispatch__ClientShare"] = "0",
        });
    await Load.RunAsync(gateway.BaseAddress, Payload(50_000), 4, TimeSpan.FromSeconds(2), TimeSpan.FromSeconds(1));
    var body = Payload(16 * 1024 * 1024);
    using var client = new HttpClient { BaseAddress = gateway.BaseAddress, Timeout = TimeSpan.FromSeconds(60) };

    // The first round also pays for the code paths and pools that large streaming uploads need
    // (JIT, Kestrel's block pool); the second shows what 32 uploads in flight cost in steady state.
    foreach (var round in new[] { "first round (cold)", "second round" })
    {
        for (var wait = 0; wait < 300 && Volatile.Read(ref slow.InFlight) > 0; wait++)
        {
            await Task.Delay(100); // the previous round's uploads are still being cancelled
        }

        await Task.Delay(2000);
        var idle = RssBytes(gateway.Pid);
        using var stop = new CancellationTokenSource();
        var uploads = Enumerable.Range(0, uploadsInFlight).Select(_ => client.PostAsync("/count-white-pixels", new ByteArrayContent(body), stop.Token)).ToList();
        long peak = 0;
        var maxInFlight = 0;
        var until = DateTime.UtcNow + TimeSpan.FromSeconds(5);
        while (DateTime.UtcNow < until)
        {
            peak = Math.Max(peak, RssBytes(gateway.Pid));
            maxInFlight = Math.Max(maxInFlight, Volatile.Read(ref slow.InFlight));
            await Task.Delay(100);
        }

        await stop.CancelAsync();
        await Task.WhenAll(uploads.Select(u => u.ContinueWith(_ => { }, TaskScheduler.Default)));
        Console.WriteLine($"{uploadsInFlight} concurrent 16 MiB uploads, {round} ({maxInFlight} in flight at the backend at once):");
        Console.WriteLine($"  gateway RSS idle {idle / 1048576.0:F1} MiB, peak {peak / 1048576.0:F1} MiB, growth {(peak - idle) / 1048576.0:F1} MiB (goal < 32 MiB)");
    }
}

if (parts.Contains("balancing"))
{
    // 3. Load balancing: one fast backend and one that takes 30 ms longer per request.
    foreach (var policy in new[] { "PowerOfTwoChoices", "LeastRequests" })
    {
        await using var fast = await SinkBackend.StartAsync();
        await using var slow = await SinkBackend.StartAsync(delay: TimeSpan.FromMilliseconds(30));
        await using var gateway = await Stack.StartGatewayAsync(configuration, [fast.BaseAddress, slow.BaseAddress],
            new Dictionary<string, string>(quiet)
            {
                ["ReverseProxy__Clusters__backends__LoadBalancingPolicy"] = policy,
                ["Dispatch__ClientShare"] = "0",
            });
        var result = await Load.RunAsync(gateway.BaseAddress, Payload(50_000), 16, duration, warmup);
        var share = (double)slow.Requests / (fast.Requests + slow.Requests);
        Console.WriteLine($"{policy,-18} {result}  slow backend share {share:P0}");
    }
}

async Task CompareAsync(Uri direct, Uri gateway, string label, byte[] body, int concurrency, ProcessCpu cpu)
{
    var median = await MeasureAsync(label, body, concurrency,
        [new("direct", direct, "/count-white-pixels"), new("gateway", gateway, "/count-white-pixels"), new("YARP only", gateway, "/bare/count-white-pixels")], cpu);
    Console.WriteLine($"    gateway/direct throughput {median["gateway"].RequestsPerSecond / median["direct"].RequestsPerSecond:F2} (goal >= 0.85); " +
        $"YARP only/direct {median["YARP only"].RequestsPerSecond / median["direct"].RequestsPerSecond:F2}; gateway/YARP only {median["gateway"].RequestsPerSecond / median["YARP only"].RequestsPerSecond:F2}");

    // What the hop costs in CPU: all processes' CPU per request through the gateway less direct.
    var total = median.ToDictionary(m => m.Key, m => cpu.Processes.Keys.Sum(m.Value.CpuMicrosPerRequest));
    Console.WriteLine($"    CPU per request, all processes: direct {total["direct"]:F0} us, gateway {total["gateway"]:F0} us: " +
        $"the hop costs {total["gateway"] - total["direct"]:F0} us, {median["gateway"].CpuMicrosPerRequest("gateway"):F0} us of it in the gateway process");
}

async Task<Dictionary<string, LoadResult>> MeasureAsync(string label, byte[] body, int concurrency, Target[] targets, ProcessCpu cpu)
{
    // Interleaved rounds (one run of each target, then again) so that a burst of other work on a
    // shared machine hits every target alike; each target is reported by its median round.
    var results = targets.ToDictionary(t => t.Name, _ => new List<LoadResult>());
    for (var round = 0; round < rounds; round++)
    {
        foreach (var (name, target, path) in targets)
        {
            results[name].Add(await Load.RunAsync(target, body, concurrency, duration, warmup, path, cpu));
        }
    }

    var median = results.ToDictionary(r => r.Key, r => r.Value.OrderBy(x => x.RequestsPerSecond).ElementAt(r.Value.Count / 2));
    Console.WriteLine($"  {label} uploads ({body.Length} bytes), {concurrency} concurrent, median of {rounds} rounds (CPU per request and share of one core):");
    foreach (var (name, _, _) in targets)
    {
        var all = string.Join(" / ", results[name].Select(r => r.RequestsPerSecond.ToString("F0", CultureInfo.InvariantCulture)));
        Console.WriteLine($"    {name,-16} {median[name]}  [rounds: {all} req/s]");
    }

    return median;
}

static byte[] Payload(int size)
{
    // A well-formed 64x64 PNG padded with a private chunk of random bytes: the gateway accepts it; the sink does not decode it.
    return CraftedPng.PaddedTo(64, 64, size, seed: size);
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

/// <summary>One thing to load: a name for the report, a server and the path to post to.</summary>
internal sealed record Target(string Name, Uri Server, string Path);
