using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Text.Json;
using ImageGateway.TestSupport;
using Xunit.Abstractions;

namespace ImageGateway.Backend.StressTests.Containment;

/// <summary>
/// Issue 11 on real processes: the Native AOT backend in a 50 MiB cgroup with the memory split of
/// deploy/lib/memory.sh and default CPU deadlines, its workers' test fault switch on. An upload that loops
/// for ever, a CPU bomb and crashing uploads each get their documented answer (422 poison-image, or an
/// up-front 4xx once the header model refuses them), one that makes the kernel OOM-kill its worker a
/// 503, while a client posting ordinary images beside them sees every one counted; afterwards the
/// backend burns no CPU and its server is the process that started.
/// </summary>
public sealed class HostileUploadsTests(HostileUploadsTests.Backend fixture, ITestOutputHelper output) : IClassFixture<HostileUploadsTests.Backend>
{
    private static readonly string[] UpFrontRefusals = ["urn:image-gateway:problem:corrupt-image", "urn:image-gateway:problem:image-too-complex"];

    [Fact]
    public async Task EndlessLoopPng_IsStoppedAtItsCpuDeadlineOrRefusedUpFront_WhileOrdinaryUploadsAreCounted()
    {
        if (fixture.Skip(output))
        {
            return;
        }

        // The header model's PNG image-data check (PngImageData) refuses short interlaced data before
        // ImageSharp sees it; a worker that loops for ever anyway is the fault switch's hang below.
        var answer = await fixture.BesideOrdinaryUploadsAsync(output, () => fixture.PostAsync(HostileImages.EndlessLoopPng()));

        output.WriteLine($"endless-loop PNG: {answer}");
        Assert.Equal(422, answer.Status);
        Assert.Contains(answer.Type, (string[])["urn:image-gateway:problem:poison-image", .. UpFrontRefusals]);
        if (answer.Type == "urn:image-gateway:problem:poison-image")
        {
            Assert.Contains("CPU time", answer.Detail, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task WorkerThatLoopsForever_IsStoppedAtItsCpuDeadline_AndAnswered422PoisonImage_WhileOrdinaryUploadsAreCounted()
    {
        if (fixture.Skip(output))
        {
            return;
        }

        var answer = await fixture.BesideOrdinaryUploadsAsync(output, () => fixture.PostAsync(HostileImages.WorkerFault("hang", salt: nameof(WorkerThatLoopsForever_IsStoppedAtItsCpuDeadline_AndAnswered422PoisonImage_WhileOrdinaryUploadsAreCounted))));

        output.WriteLine($"fault switch: a decode that never returns: {answer}");
        Assert.Equal(422, answer.Status);
        Assert.Equal("urn:image-gateway:problem:poison-image", answer.Type);
        Assert.Contains("CPU time", answer.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ProgressiveScanBomb_IsStoppedAtItsDeadlineOrRefusedUpFront_WhileOrdinaryUploadsAreCounted()
    {
        if (fixture.Skip(output))
        {
            return;
        }

        var answer = await fixture.BesideOrdinaryUploadsAsync(output, () => fixture.PostAsync(HostileImages.ProgressiveScanBomb(1200, 1200, 60_000)));

        output.WriteLine($"progressive JPEG, 60,000 empty scans: {answer}");
        Assert.Equal(422, answer.Status);
        Assert.Contains(answer.Type, (string[])["urn:image-gateway:problem:poison-image", .. UpFrontRefusals]);
    }

    [Fact]
    public async Task CrashingUploads_Are422_TheCrashIsRemembered_WhileOrdinaryUploadsAreCounted()
    {
        if (fixture.Skip(output))
        {
            return;
        }

        var fault = HostileImages.WorkerFault("crash", salt: nameof(CrashingUploads_Are422_TheCrashIsRemembered_WhileOrdinaryUploadsAreCounted));
        var answers = await fixture.BesideOrdinaryUploadsAsync(output, async () => new[]
        {
            ("fault switch: crash while decoding", await fixture.PostAsync(fault)),
            ("the same body again", await fixture.PostAsync(fault)),
            ("lossless WebP, 1,000 prefix-code groups", await fixture.PostAsync(HostileImages.LosslessWebpWithPrefixGroups(1_000))),
            ("lossless WebP, 65,536 prefix-code groups", await fixture.PostAsync(HostileImages.LosslessWebpWithPrefixGroups(65_536))),
            ("BMP bitmap array", await fixture.PostAsync(HostileImages.BitmapArrayBmp())),
        });

        foreach (var (name, answer) in answers)
        {
            output.WriteLine($"{name}: {answer}");
        }

        Assert.Equal("urn:image-gateway:problem:poison-image", answers[0].Item2.Type);
        Assert.Contains("crashed", answers[0].Item2.Detail, StringComparison.Ordinal);
        Assert.Contains("refused without decoding", answers[1].Item2.Detail, StringComparison.Ordinal);
        foreach (var (name, answer) in answers.Skip(2))
        {
            Assert.True(answer.Status is >= 400 and < 500, $"{name}: {answer}");
        }
    }

    [Fact]
    public async Task WorkerKilledByTheKernelForMemory_Is503ToRetry_NotPoison_AndTheServerSurvives()
    {
        if (fixture.Skip(output))
        {
            return;
        }

        var oomKills = fixture.Cgroup.OomKills;
        var answer = await fixture.BesideOrdinaryUploadsAsync(output, () => fixture.PostAsync(HostileImages.WorkerFault("oom")));

        output.WriteLine($"a worker eating memory until the cgroup is full: {answer}; cgroup oom_kill {oomKills} -> {fixture.Cgroup.OomKills}");
        Assert.Equal(503, answer.Status);
        Assert.NotNull(answer.RetryAfter);
        Assert.Contains("out of memory", answer.Detail, StringComparison.Ordinal);
        Assert.True(fixture.Cgroup.OomKills > oomKills, "the kernel did not OOM-kill anything");
        Assert.False(fixture.App.HasExited, "the kernel killed the server, not a worker");
    }

    [Fact]
    public async Task Afterwards_TheBackendIsReady_BurnsNoCpuWhenIdle_AndItsServerIsTheProcessThatStarted()
    {
        if (fixture.Skip(output))
        {
            return;
        }

        await fixture.App.WaitUntilAsync("/health/ready", TimeSpan.FromSeconds(30));
        await Task.Delay(TimeSpan.FromSeconds(1));
        var cpu = await CgroupProcesses.CpuOverAsync(fixture.Cgroup.Path, TimeSpan.FromSeconds(1));

        output.WriteLine("CPU over 1 s: " + string.Join(", ", cpu.Select(c => $"pid {c.Key} {c.Value.TotalMilliseconds:0} ms")));
        output.WriteLine(CgroupProcesses.Describe(fixture.Cgroup.Path));
        Assert.Equal(fixture.ServerPid, fixture.App.Pid);
        Assert.Contains(fixture.ServerPid, cpu.Keys);
        Assert.Equal(1 + fixture.Workers, cpu.Count);
        // /proc counts in 10 ms ticks: at most one tick per process in a second is no work at all.
        Assert.All(cpu, c => Assert.True(c.Value <= TimeSpan.FromMilliseconds(10), $"pid {c.Key} used {c.Value.TotalMilliseconds} ms of CPU while idle"));
    }

    /// <summary>One answer: status, problem type and detail, Retry-After, and how long it took.</summary>
    public sealed record Answer(int Status, string? Type, string Detail, TimeSpan? RetryAfter, TimeSpan Elapsed)
    {
        public override string ToString() => $"{Status} {Type} in {Elapsed.TotalSeconds:0.00} s: {Detail}";
    }

    /// <summary>The native backend in its 50 MiB cgroup, shared by the tests of the class.</summary>
    public sealed class Backend : IAsyncLifetime
    {
        private const long ContainerLimit = 50L * 1024 * 1024;
        private static readonly (string Name, byte[] Bytes, Func<long, bool> IsRight)[] OrdinaryImages = Ordinary();
        private string? _whyNot;
        private string? _copy;

        public AppProcess App { get; private set; } = null!;

        public MemoryCgroup Cgroup { get; private set; } = null!;

        public int ServerPid { get; private set; }

        public int Workers { get; private set; }

        public HttpClient Client { get; private set; } = null!;

        public bool Skip(ITestOutputHelper output)
        {
            if (_whyNot is not null)
            {
                output.WriteLine($"SKIPPED: {_whyNot}");
                Console.WriteLine($"HostileUploadsTests skipped: {_whyNot}");
            }

            return _whyNot is not null;
        }

        public async Task InitializeAsync()
        {
            if (MemoryCgroup.Unavailability() is { } noCgroup)
            {
                _whyNot = $"memory cgroups are unavailable: {noCgroup}";
                return;
            }

            var (executable, whyNot) = await NativeBackend.PublishAsync(TimeSpan.FromMinutes(10));
            if (executable is null)
            {
                _whyNot = whyNot;
                return;
            }

            _copy = Directory.CreateTempSubdirectory("backend-hostile-").FullName;
            ColdFiles.CopyDirectory(Path.GetDirectoryName(executable)!, _copy);
            Cgroup = MemoryCgroup.TryCreate("backend-hostile", ContainerLimit, out var why) ?? throw new InvalidOperationException(why);
            var environment = new Dictionary<string, string>(MemoryRule.BackendEnvironment(ContainerLimit))
            {
                [HostileImages.WorkerFaultSwitch] = "1",
                ["Logging__LogLevel__Default"] = "Warning",
                // Default CPU deadlines; a longer wall-clock stall timeout than the default 20 s, so a
                // CPU bomb on a CI machine shared by many builds still reaches its CPU deadline (the
                // answer under test) before the wall clock gives up on it (a 503).
                ["Decoding__StallTimeout"] = "00:01:00",
            };
            Workers = int.Parse(environment["Decoding__Workers"], System.Globalization.CultureInfo.InvariantCulture);
            App = await AppProcess.StartAsync("backend", Path.Combine(_copy, Path.GetFileName(executable)), FreePort.Get(), environment, Cgroup, "/health/ready");
            ServerPid = App.Pid;
            Client = new HttpClient { BaseAddress = App.BaseAddress, Timeout = TimeSpan.FromSeconds(60) };
        }

        public async Task DisposeAsync()
        {
            Client?.Dispose();
            if (App is not null)
            {
                await App.DisposeAsync();
            }

            // Workers outlive a killed server by at most their parent watchdog's half second.
            for (var i = 0; Cgroup is not null && i < 50 && CgroupProcesses.Pids(Cgroup.Path).Count > 0; i++)
            {
                await Task.Delay(100);
            }

            Cgroup?.Dispose();
            if (_copy is not null)
            {
                Directory.Delete(_copy, recursive: true);
            }
        }

        public async Task<Answer> PostAsync(byte[] body)
        {
            var timer = Stopwatch.StartNew();
            using var response = await Client.PostAsync(new Uri("/count-white-pixels", UriKind.Relative), new ByteArrayContent(body));
            var text = await response.Content.ReadAsStringAsync();
            var elapsed = timer.Elapsed;
            var json = response.Content.Headers.ContentType?.MediaType == "application/problem+json" ? JsonDocument.Parse(text).RootElement : (JsonElement?)null;
            return new Answer((int)response.StatusCode, json?.GetProperty("type").GetString(), json?.GetProperty("detail").GetString() ?? text, response.Headers.RetryAfter?.Delta, elapsed);
        }

        /// <summary>
        /// Runs <paramref name="hostile"/> while one client posts ordinary images one after another,
        /// and fails the test if any of those is not answered 200 with its known count.
        /// </summary>
        public async Task<T> BesideOrdinaryUploadsAsync<T>(ITestOutputHelper output, Func<Task<T>> hostile)
        {
            using var stop = new CancellationTokenSource();
            var failures = new ConcurrentQueue<string>();
            var counted = 0;
            var ordinary = Task.Run(async () =>
            {
                for (var n = 0; !stop.IsCancellationRequested; n++)
                {
                    var (name, bytes, isRight) = OrdinaryImages[n % OrdinaryImages.Length];
                    var answer = await PostAsync(bytes);
                    if (answer.Status != 200 || !isRight(JsonDocument.Parse(answer.Detail).RootElement.GetProperty("white_pixel_count").GetInt64()))
                    {
                        failures.Enqueue($"{name}: {answer}");
                    }
                    else
                    {
                        counted++;
                    }
                }
            });

            try
            {
                return await hostile().WaitAsync(TimeSpan.FromMinutes(2));
            }
            finally
            {
                await stop.CancelAsync();
                await ordinary.WaitAsync(TimeSpan.FromMinutes(1));
                output.WriteLine($"beside it: {counted} ordinary uploads counted, {failures.Count} not");
                Assert.True(failures.IsEmpty, "ordinary uploads failed beside the hostile one:\n" + string.Join('\n', failures.Take(10)) + "\n" + App.Output);
                Assert.True(counted > 0, "no ordinary upload was answered beside the hostile one");
            }
        }

        /// <summary>Corpus images (counts from the reference decoders, JPEG within its tolerance) and a generated 1 Mpx PNG (count by construction).</summary>
        private static (string, byte[], Func<long, bool>)[] Ordinary()
        {
            var images = new List<(string, byte[], Func<long, bool>)>();
            foreach (var path in new[] { "pngsuite/basn2c08.png", "pillow/hopper.jpg", "pillow/hopper.webp" })
            {
                var image = CorpusManifest.Get(path);
                images.Add((path, File.ReadAllBytes(image.FullPath), count => CorpusExpectations.CountIsRight(image, count, out _)));
            }

            var (png, white) = GeneratedImages.Create(GeneratedKind.PngRgb, 1152, 864, seed: 7);
            images.Add(("generated PNG 1 Mpx", png, count => count == white));
            return [.. images];
        }
    }
}
