using System.Diagnostics;
using System.Text.Json;
using ImageGateway.LoadRunner.Cli;
using ImageGateway.TestSupport;
using Xunit.Abstractions;

namespace ImageGateway.LoadRunner.Tests.EndToEnd;

/// <summary>
/// The runner against the real product, started as <c>deploy/run-local.sh</c> starts it: two backends,
/// each in its own 50 MiB memory cgroup (where the machine allows) with the launcher's own GC heap
/// limit for that size (<c>deploy/lib/memory.sh</c>), behind the real gateway, all processes on
/// loopback. A few seconds of <c>mixed</c> must end with no wrong count, no 5xx, no request lost and
/// no OOM kill.
/// </summary>
/// <remarks>
/// The launcher itself is not run here: it builds Release and owns one fixed <c>.run/stack.env</c>,
/// which <c>LocalLauncherTests</c> uses at the same time. Run against it by hand with
/// <c>--stack-env .run/stack.env</c> (docs/load-testing.md).
/// </remarks>
public sealed class MixedRunTests(ITestOutputHelper output)
{
    private const long BackendMemoryBytes = 50L * 1024 * 1024;
    private static readonly TimeSpan RunTimeout = TimeSpan.FromSeconds(120);

    [Fact]
    public async Task Mixed_ShortRunAgainstRealStack_NoWrongCountNo5xxNoLostRequestNoOomKill()
    {
        var configuration = Stack.Configuration(typeof(MixedRunTests).Assembly);
        // The memory split of deploy/lib/memory.sh: heap limits, decode workers, budget, container limit.
        var environment = new Dictionary<string, string>(MemoryRule.BackendEnvironment(BackendMemoryBytes));
        var cgroups = new List<MemoryCgroup>();
        var backends = new List<AppProcess>();
        AppProcess? gateway = null;
        var report = Directory.CreateTempSubdirectory("loadrunner-e2e").FullName;
        try
        {
            // The backend runs Native AOT in its 50 MiB container (its JIT form thrashes there:
            // docs/backend.md); without a native build there is no fair 50 MiB test, so the
            // backends then run unlimited and OOM kills are not checked.
            var (native, whyNoNative) = await NativeBackend.PublishAsync(TimeSpan.FromMinutes(10));
            if (native is null)
            {
                output.WriteLine($"OOM kills not checked: {whyNoNative}");
            }

            for (var i = 1; i <= 2; i++)
            {
                MemoryCgroup? cgroup = null;
                if (native is not null)
                {
                    cgroup = MemoryCgroup.TryCreate($"loadrunner-e2e-backend-{i}", BackendMemoryBytes, out var whyNot);
                    if (cgroup is null)
                    {
                        output.WriteLine($"OOM kills not checked: {whyNot}");
                    }
                    else
                    {
                        cgroups.Add(cgroup);
                    }
                }

                backends.Add(native is null
                    ? await Stack.StartBackendAsync(configuration, $"backend{i}", environment)
                    : await AppProcess.StartAsync($"backend{i}", native, FreePort.Get(), environment, cgroup, "/health/ready"));
            }

            gateway = await Stack.StartGatewayAsync(configuration, backends.Select(b => b.BaseAddress));
            string[] args =
            [
                "run", "mixed", "--target", gateway.BaseAddress.ToString(), "--duration", "4s", "--warmup", "1s", "--vus", "2",
                "--corpus", RepoPaths.Corpus, "--report", report, "--no-live",
                "--gateway-metrics", new Uri(gateway.ManagementAddress, "/metrics").ToString(),
                .. backends.SelectMany(b => new[] { "--backend-metrics", new Uri(b.ManagementAddress, "/metrics").ToString() }),
                .. cgroups.SelectMany(c => new[] { "--backend-cgroup", c.Path }),
                .. cgroups.Count > 0 ? ["--no-oom"] : Array.Empty<string>(),
            ];
            var exitCode = await LoadRunnerCommand.Create(LoadRun.ExecuteAsync).Parse(args).InvokeAsync().WaitAsync(RunTimeout);

            using var results = JsonDocument.Parse(await File.ReadAllTextAsync(Path.Combine(report, "results.json")).WaitAsync(RunTimeout));
            var root = results.RootElement;
            var totals = root.GetProperty("totals");
            var outcomes = totals.GetProperty("byOutcome").EnumerateObject().ToDictionary(o => o.Name, o => o.Value.GetInt64());
            output.WriteLine($"exit {exitCode}; {JsonSerializer.Serialize(outcomes)}; status mix {root.GetProperty("statusMix")}");
            output.WriteLine(string.Join(Environment.NewLine, root.GetProperty("failureExamples").EnumerateArray().Select(e => e.GetString())));
            Assert.True(exitCode is RunCommand.ExitPassed or RunCommand.ExitFailed, $"exit {exitCode}: the run did not start");
            Assert.True(totals.GetProperty("sent").GetInt64() > 20, "too few requests to mean anything");
            Assert.True(outcomes["count-right"] > 10, "legit images must be counted");
            Assert.True(outcomes["rejected-as-expected"] > 0, "hostile inputs must be refused");

            Assert.Equal(0, totals.GetProperty("lost").GetInt64());
            Assert.Equal(totals.GetProperty("sent").GetInt64(), outcomes.Values.Sum());
            Assert.Equal(0, outcomes["count-wrong"]);
            Assert.DoesNotContain(root.GetProperty("statusMix").EnumerateObject(), s => s.Name.StartsWith('5'));
            Assert.Equal(0, outcomes["server-error"] + outcomes["503-without-retry-after"] + outcomes["shed-with-retry-after"]);
            var watched = root.GetProperty("cgroups").EnumerateArray().ToList();
            Assert.Equal(cgroups.Count, watched.Count);
            foreach (var cgroup in watched)
            {
                Assert.True(cgroup.GetProperty("usageBytes").GetArrayLength() > 0, "a backend cgroup was never read");
                Assert.Equal(0, cgroup.GetProperty("oomKillsAtEnd").GetInt64() - cgroup.GetProperty("oomKillsAtStart").GetInt64());
            }

            Assert.All(cgroups, c => Assert.Equal(0, c.OomKills));
            Assert.All(backends, b => Assert.False(b.HasExited, b.Output));
            Assert.True(File.Exists(Path.Combine(report, "report.html")));
        }
        finally
        {
            if (gateway is not null)
            {
                await gateway.DisposeAsync();
            }

            foreach (var backend in backends)
            {
                await backend.DisposeAsync();
            }

            cgroups.ForEach(c => c.Dispose());
            Directory.Delete(report, recursive: true);
        }
    }
}
