using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using ImageGateway.TestSupport;

namespace ImageGateway.EndToEnd.Tests;

/// <summary>The README's run command, exactly as a user runs it: deploy/run-local.sh.</summary>
public sealed class LocalLauncherTests
{
    [Fact]
    public async Task RunLocal_PrintsReady_CountsThroughGateway_AndStopsEverythingOnSigterm()
    {
        var port = FreePort.Get();
        var (launcher, lines) = await StartLauncherAsync(port);
        var state = ReadState();
        var backendPids = new[] { state["BACKEND_1_PID"], state["BACKEND_2_PID"], state["GATEWAY_PID"] }.Select(int.Parse).ToArray();
        var cgroups = new[] { state["BACKEND_1_CGROUP"], state["BACKEND_2_CGROUP"] }.Where(c => c.Length > 0).ToArray();
        try
        {
            var image = CorpusManifest.Get("pngsuite/basn6a08.png");
            using var client = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}"), Timeout = TimeSpan.FromSeconds(30) };
            using var response = await client.PostAsync("/count-white-pixels", new ByteArrayContent(await File.ReadAllBytesAsync(image.FullPath)));
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
            CorpusExpectations.AssertCount(image, json.GetProperty("white_pixel_count").GetInt64());

            // Metrics on each app's management port, written to stack.env; never on the public port.
            using var onPublic = await client.GetAsync("/metrics");
            Assert.Equal(HttpStatusCode.NotFound, onPublic.StatusCode);
            foreach (var key in new[] { "GATEWAY_MANAGEMENT_URL", "BACKEND_1_MANAGEMENT_URL", "BACKEND_2_MANAGEMENT_URL" })
            {
                using var metrics = await client.GetAsync(new Uri(new Uri(state[key]), "/metrics"));
                Assert.True(metrics.StatusCode == HttpStatusCode.OK, $"{key} {state[key]}/metrics answered {(int)metrics.StatusCode}");
            }

            // A second launcher on the same port refuses before touching the running stack's state.
            var stackEnv = Path.Combine(RepoPaths.Root, ".run", "stack.env");
            var stateBefore = await File.ReadAllBytesAsync(stackEnv);
            var gatewayLog = Path.Combine(RepoPaths.Root, ".run", "logs", "gateway.log");
            var logBefore = new FileInfo(gatewayLog).Length;
            var second = await RunToExitAsync(TimeSpan.FromSeconds(30), "--port", port.ToString(CultureInfo.InvariantCulture), "--no-build");
            Assert.True(second.ExitCode == 1, $"second launcher exited {second.ExitCode}:\n{second.Output}");
            Assert.Contains($"port {port} (gateway) is in use", second.Output, StringComparison.Ordinal);
            Assert.Contains($"pid {state["GATEWAY_PID"]} ", second.Output, StringComparison.Ordinal);
            Assert.DoesNotContain("ready", second.Output, StringComparison.Ordinal);
            Assert.Equal(stateBefore, await File.ReadAllBytesAsync(stackEnv));
            Assert.True(new FileInfo(gatewayLog).Length >= logBefore, "the running stack's gateway log was truncated");
            using (var stillServing = await client.GetAsync("/health/ready"))
            {
                Assert.Equal(HttpStatusCode.OK, stillServing.StatusCode);
            }

            if (MemoryCgroup.Unavailability() is { } why)
            {
                Console.WriteLine($"LocalLauncherTests: memory cgroups not checked: {why}");
            }
            else
            {
                // 50 MiB by default; the launcher raises it to 256 MiB (and says so) only when the
                // backend could not be published Native AOT.
                var native = File.Exists(Path.Combine(RepoPaths.Root, "backend", "bin", "native", "ImageGateway.Backend"));
                var expected = native ? "52428800" : "268435456";
                Assert.Equal(expected, state["BACKEND_MEMORY_BYTES"]);
                Assert.Equal(2, cgroups.Length);
                foreach (var cgroup in cgroups)
                {
                    Assert.Equal(expected, File.ReadAllText(Path.Combine(cgroup, "memory.limit_in_bytes")).Trim());
                    Assert.NotEmpty(File.ReadAllText(Path.Combine(cgroup, "cgroup.procs")).Trim());
                }
            }
        }
        finally
        {
            await StopAsync(launcher);
        }

        foreach (var pid in backendPids)
        {
            Assert.False(IsAlive(pid), $"process {pid} survived SIGTERM to run-local.sh");
        }

        foreach (var cgroup in cgroups)
        {
            Assert.False(Directory.Exists(cgroup), $"cgroup {cgroup} was left behind");
        }

        Assert.Contains(lines, l => l.Contains("stopped", StringComparison.Ordinal));
    }

    [Fact]
    public async Task RunLocal_PortInUse_ExitsNamingPortAndHolder_WithoutWritingRunState()
    {
        // Whatever holds the port: here a listener of this test process, not a stack.
        using var holder = new TcpListener(IPAddress.Loopback, 0);
        holder.Start();
        var port = ((IPEndPoint)holder.LocalEndpoint).Port;
        var runDir = Path.Combine(RepoPaths.Root, ".run");
        var before = Snapshot(runDir);

        var result = await RunToExitAsync(TimeSpan.FromSeconds(30), "--port", port.ToString(CultureInfo.InvariantCulture), "--no-build");

        Assert.True(result.ExitCode == 1, $"launcher exited {result.ExitCode}:\n{result.Output}");
        Assert.Contains($"port {port} (gateway) is in use: 127.0.0.1:{port}, pid {Environment.ProcessId} ", result.Output, StringComparison.Ordinal);
        Assert.Contains("refusing to start", result.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("backend1 on", result.Output, StringComparison.Ordinal);
        Assert.Equal(before, Snapshot(runDir));
    }

    [Fact]
    public async Task RunLocal_BackendKilledOrStuck_IsRestartedInItsCgroup_AndBackInRotationWithinSeconds()
    {
        var port = FreePort.Get();
        var (launcher, lines) = await StartLauncherAsync(port);
        try
        {
            using var client = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}"), Timeout = TimeSpan.FromSeconds(30) };
            var image = await File.ReadAllBytesAsync(CorpusManifest.Get("pngsuite/basn6a08.png").FullPath);

            // A crash, as kill -9 or a kernel OOM kill of the server would be.
            var killed = int.Parse(ReadState()["BACKEND_1_PID"], System.Globalization.CultureInfo.InvariantCulture);
            var timer = Stopwatch.StartNew();
            ProcessSignals.Kill(killed);

            var restarted = await BackInRotationAsync(client, image, killed, lines);
            Console.WriteLine($"LocalLauncherTests: backend1 killed, restarted as pid {restarted} and counting through the gateway {timer.Elapsed.TotalSeconds:0.0} s later");
            Assert.True(timer.Elapsed < TimeSpan.FromSeconds(30), $"back in rotation only after {timer.Elapsed}");
            Assert.Contains(lines, l => l.Contains($"backend1 (pid {killed}) exited", StringComparison.Ordinal) && l.Contains("restarting", StringComparison.Ordinal));

            // Stuck: alive but not answering its liveness probe (SIGSTOP), as a deadlocked server would be.
            timer.Restart();
            ProcessSignals.Stop(restarted);

            var again = await BackInRotationAsync(client, image, restarted, lines);
            Console.WriteLine($"LocalLauncherTests: backend1 stopped, restarted as pid {again} and counting through the gateway {timer.Elapsed.TotalSeconds:0.0} s later");
            Assert.True(timer.Elapsed < TimeSpan.FromSeconds(40), $"back in rotation only after {timer.Elapsed}");
            Assert.Contains(lines, l => l.Contains($"backend1 (pid {restarted}) failed /health/live", StringComparison.Ordinal));
            Assert.False(IsAlive(restarted), "the stuck server was left running");
            Assert.Equal("2", ReadState()["BACKEND_1_RESTARTS"]);
        }
        finally
        {
            await StopAsync(launcher);
        }
    }

    /// <summary>
    /// Waits until stack.env names a new pid for backend1 and that process has counted an upload the
    /// gateway routed to it (the gateway picks among both backends, so uploads are posted until one lands).
    /// </summary>
    private static async Task<int> BackInRotationAsync(HttpClient client, byte[] image, int oldPid, ConcurrentQueue<string> lines)
    {
        var deadline = Stopwatch.StartNew();
        using var probe = new HttpClient { Timeout = TimeSpan.FromSeconds(2) };
        while (deadline.Elapsed < TimeSpan.FromSeconds(60))
        {
            var state = ReadState();
            if (int.TryParse(state["BACKEND_1_PID"], System.Globalization.CultureInfo.InvariantCulture, out var pid) && pid != oldPid)
            {
                try
                {
                    using var response = await client.PostAsync("/count-white-pixels", new ByteArrayContent(image));
                    var metrics = await probe.GetStringAsync(new Uri(new Uri(state["BACKEND_1_MANAGEMENT_URL"]), "/metrics"));
                    if (response.StatusCode == HttpStatusCode.OK && metrics.Contains("outcome=\"counted\"", StringComparison.Ordinal))
                    {
                        return pid;
                    }
                }
                catch (HttpRequestException)
                {
                    // Not listening yet.
                }
                catch (TaskCanceledException)
                {
                    // Not answering yet.
                }
            }

            await Task.Delay(100);
        }

        throw new Xunit.Sdk.XunitException("backend1 was not back in rotation within 60 s:\n" + string.Join('\n', lines));
    }

    private static async Task<(Process Launcher, ConcurrentQueue<string> Lines)> StartLauncherAsync(int port)
    {
        var info = new ProcessStartInfo("bash")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = RepoPaths.Root,
        };
        foreach (var arg in new[] { "deploy/run-local.sh", "--port", port.ToString(System.Globalization.CultureInfo.InvariantCulture), "--backends", "2" })
        {
            info.ArgumentList.Add(arg);
        }

        var launcher = Process.Start(info)!;
        var lines = new ConcurrentQueue<string>();
        var ready = new TaskCompletionSource();
        launcher.OutputDataReceived += (_, e) =>
        {
            if (e.Data is null)
            {
                return;
            }

            lines.Enqueue(e.Data);
            if (e.Data.Contains("ready", StringComparison.Ordinal) && e.Data.Contains($"http://127.0.0.1:{port}", StringComparison.Ordinal))
            {
                ready.TrySetResult();
            }
        };
        launcher.ErrorDataReceived += (_, e) => lines.Enqueue("stderr: " + e.Data);
        launcher.BeginOutputReadLine();
        launcher.BeginErrorReadLine();
        try
        {
            // Includes a Release build on a cold machine.
            await ready.Task.WaitAsync(TimeSpan.FromMinutes(4));
        }
        catch (TimeoutException)
        {
            launcher.Kill(entireProcessTree: true);
            Assert.Fail("run-local.sh did not print ready:\n" + string.Join('\n', lines));
        }

        return (launcher, lines);
    }

    /// <summary>Stops the launcher as Ctrl-C or <c>kill</c> would (SIGTERM) and waits for it to end.</summary>
    private static async Task StopAsync(Process launcher)
    {
        using (launcher)
        {
            if (!launcher.HasExited)
            {
                ProcessSignals.Terminate(launcher.Id);
            }

            using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(30));
            await launcher.WaitForExitAsync(cts.Token);
        }
    }

    /// <summary>Runs deploy/run-local.sh with these arguments to its end; stdout and stderr together.</summary>
    private static async Task<(int ExitCode, string Output)> RunToExitAsync(TimeSpan timeout, params string[] args)
    {
        var run = await ProcessRun.RunAsync("bash", ["deploy/run-local.sh", .. args], timeout, RepoPaths.Root);
        return (run.ExitCode, run.Output);
    }

    /// <summary>
    /// What a launcher would change in .run/: whether it exists, the entries in it, and stack.env's bytes
    /// (a running stack's logs grow by themselves, so their lengths are not compared).
    /// </summary>
    private static string Snapshot(string runDir)
    {
        if (!Directory.Exists(runDir))
        {
            return "no .run/";
        }

        var entries = Directory.EnumerateFileSystemEntries(runDir, "*", SearchOption.AllDirectories).Order(StringComparer.Ordinal);
        var stackEnv = Path.Combine(runDir, "stack.env");
        var state = File.Exists(stackEnv) ? Convert.ToBase64String(File.ReadAllBytes(stackEnv)) + " " + File.GetLastWriteTimeUtc(stackEnv).ToString("O", CultureInfo.InvariantCulture) : "no stack.env";
        return string.Join('\n', entries) + "\n" + state;
    }

    private static Dictionary<string, string> ReadState() =>
        File.ReadAllLines(Path.Combine(RepoPaths.Root, ".run", "stack.env"))
            .Select(l => l.Split('=', 2))
            .ToDictionary(p => p[0], p => p[1]);

    private static bool IsAlive(int pid)
    {
        try
        {
            using var p = Process.GetProcessById(pid);
            return !p.HasExited;
        }
        catch (ArgumentException)
        {
            return false;
        }
    }
}
