using System.Diagnostics;
using System.Globalization;
using System.Net;
using ImageGateway.TestSupport;

// Starts the backend in a fresh memory cgroup with its files evicted from the page cache, as a new
// container would, then posts ever larger images of each kind, one at a time, and reports the
// answer, the time and the cgroup's figures. Stops a kind at its first non-200 answer.
//
//   dotnet run -c Release --project loadtests/ColdContainer -- FORM DIR [LIMIT_MIB] [ENV=VALUE...]
//
// FORM is "jit" (DIR: the framework-dependent build output; run with a private copy of the runtime)
// or "native" (DIR: a self-contained publish, ReadyToRun or Native AOT; run its apphost).
// Needs root and a memory cgroup (v1 or v2, see TestSupport's MemoryCgroup). The memory split (the server's and the workers' GC heap hard limits, the
// worker count, the decode budget) comes from deploy/lib/memory.sh, as in run-local; ENV=VALUE
// arguments override it (e.g. DOTNET_GCHeapHardLimit=1D00000 for a build from before the workers,
// which read only that). Reports idle memory per process, the CPU the idle backend burns over a
// second, then each image's answer, time and the cgroup's figures.
if (args.Length < 2)
{
    Console.Error.WriteLine("usage: FORM(jit|native) DIR [LIMIT_MIB] [ENV=VALUE...]");
    return 2;
}

var form = args[0];
var source = Path.GetFullPath(args[1]);
var limitMiB = args.Length > 2 ? int.Parse(args[2], CultureInfo.InvariantCulture) : 50;
var extraEnvironment = args.Skip(3).Select(a => a.Split('=', 2)).ToDictionary(p => p[0], p => p[1]);
var limit = limitMiB * 1024L * 1024;

var work = Directory.CreateTempSubdirectory("cold-container-").FullName;
string command;
string? path = null;
if (form == "jit")
{
    var app = ColdFiles.PrivateRuntime(source, work);
    command = $"dotnet '{Path.Combine(app, "ImageGateway.Backend.dll")}'";
    path = work;
}
else
{
    ColdFiles.CopyDirectory(source, work);
    command = $"'{Path.Combine(work, "ImageGateway.Backend")}'";
}

var evicted = ColdFiles.Evict(work);
using var cgroup = MemoryCgroup.TryCreate("cold-container", limit, out var whyNot) ?? throw new InvalidOperationException(whyNot);
var port = FreePort.Get();
var info = new ProcessStartInfo("/bin/sh") { RedirectStandardOutput = true, RedirectStandardError = true };
info.ArgumentList.Add("-c");
info.ArgumentList.Add(cgroup.JoinAndExec($"{command} --urls http://127.0.0.1:{port}"));
info.Environment["ASPNETCORE_ENVIRONMENT"] = "Production";
foreach (var (key, value) in MemoryRule.BackendEnvironment(limit))
{
    info.Environment[key] = value;
}

info.Environment["Logging__LogLevel__Default"] = "Warning";
info.Environment["Management__Port"] = FreePort.Get().ToString(CultureInfo.InvariantCulture);
if (path is not null)
{
    info.Environment["PATH"] = path + ":" + Environment.GetEnvironmentVariable("PATH");
}

foreach (var (key, value) in extraEnvironment)
{
    info.Environment[key] = value;
}

Console.WriteLine($"form {form} from {source}: {evicted / 1048576.0:0.0} MiB of files evicted; cgroup {limitMiB} MiB; "
    + string.Join(' ', info.Environment.Where(e => e.Key.StartsWith("DOTNET_GC", StringComparison.Ordinal) || e.Key.Contains("__", StringComparison.Ordinal)).OrderBy(e => e.Key).Select(e => e.Key + "=" + e.Value)));
using var process = Process.Start(info)!;
process.OutputDataReceived += (_, e) => { if (e.Data is { Length: > 0 }) Console.WriteLine("  | " + e.Data); };
process.ErrorDataReceived += (_, e) => { if (e.Data is { Length: > 0 }) Console.WriteLine("  | " + e.Data); };
process.BeginOutputReadLine();
process.BeginErrorReadLine();
using var client = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}"), Timeout = TimeSpan.FromSeconds(30) };
try
{
    var started = Stopwatch.StartNew();
    while (true)
    {
        try
        {
            using var ready = await client.GetAsync(new Uri("/health/ready", UriKind.Relative));
            if (ready.IsSuccessStatusCode)
            {
                break;
            }
        }
        catch (HttpRequestException)
        {
        }

        if (process.HasExited || started.Elapsed > TimeSpan.FromSeconds(60))
        {
            throw new InvalidOperationException("the backend did not become ready");
        }

        await Task.Delay(50);
    }

    Console.WriteLine($"ready after {started.Elapsed.TotalSeconds:0.00} s; idle: {Usage(cgroup)}");
    await Task.Delay(TimeSpan.FromSeconds(2));
    var idleCpu = await CgroupProcesses.CpuOverAsync(cgroup.Path, TimeSpan.FromSeconds(1));
    Console.WriteLine($"idle after 2 s: {Usage(cgroup)}; CPU over 1 s: {string.Join(", ", idleCpu.Select(c => $"pid {c.Key} {c.Value.TotalMilliseconds:0} ms"))}");
    Console.WriteLine(CgroupProcesses.Describe(cgroup.Path));
    foreach (var kind in new[] { GeneratedKind.PngRgb, GeneratedKind.JpegBaseline420, GeneratedKind.JpegProgressive })
    {
        foreach (var megapixels in new[] { 1.0, 2, 3, 4, 5, 6, 7, 8 })
        {
            var width = (int)Math.Round(Math.Sqrt(megapixels * 1e6 * 4 / 3) / 16) * 16;
            var height = width * 3 / 4;
            var (bytes, white) = GeneratedImages.Create(kind, width, height);
            var timer = Stopwatch.StartNew();
            string answer;
            try
            {
                using var response = await client.PostAsync(new Uri("/count-white-pixels", UriKind.Relative), new ByteArrayContent(bytes));
                var body = await response.Content.ReadAsStringAsync();
                answer = response.StatusCode == HttpStatusCode.OK
                    ? (body.Contains($"\"white_pixel_count\":{white},", StringComparison.Ordinal) ? "200 right" : "200 WRONG " + body)
                    : $"{(int)response.StatusCode} {body[..Math.Min(160, body.Length)]}";
            }
            catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException)
            {
                answer = "no answer: " + ex.Message;
            }

            Console.WriteLine($"{kind,-16} {width}x{height} ({width * (long)height / 1e6:0.0} Mpx, body {bytes.Length / 1048576.0:0.0} MiB): {answer} in {timer.Elapsed.TotalSeconds:0.00} s; {Usage(cgroup)}; oom_kill {cgroup.OomKills}; alive {!process.HasExited}");
            if (!answer.StartsWith("200", StringComparison.Ordinal) || process.HasExited)
            {
                break;
            }
        }
    }

    Console.WriteLine($"end: {Usage(cgroup)}; oom_kill {cgroup.OomKills}");
    Console.WriteLine(CgroupProcesses.Describe(cgroup.Path));
}
finally
{
    if (!process.HasExited)
    {
        process.Kill(entireProcessTree: true);
    }

    await process.WaitForExitAsync();
    Directory.Delete(work, recursive: true);
}

return 0;

static string Usage(MemoryCgroup cgroup)
{
    // rss and cache are v1's names in memory.stat (v2: anon and file); MemoryCgroup reads either.
    var stat = cgroup.Stat();
    return $"usage {cgroup.UsageBytes / 1048576.0:0.0} MiB (rss {stat.AnonBytes / 1048576.0:0.0}, cache {stat.FileBytes / 1048576.0:0.0}, mapped {stat.MappedFileBytes / 1048576.0:0.0}), max {cgroup.MaxUsageBytes / 1048576.0:0.0}, pgmajfault {stat.MajorFaults}";
}
