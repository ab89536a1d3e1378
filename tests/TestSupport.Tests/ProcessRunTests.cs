using System.Diagnostics;

namespace ImageGateway.TestSupport.Tests;

public sealed class ProcessRunTests
{
    private static readonly TimeSpan TestTimeout = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task Script_ExitCodeOutputAndInput_AreKeptApart()
    {
        var run = await ProcessRun.RunAsync("bash", ["-c", "read line; echo \"out $line $1\"; echo err >&2; exit 3", "bash", "arg"], TimeSpan.FromSeconds(20), standardInput: "in\n").WaitAsync(TestTimeout);

        Assert.Equal(new ProcessResult(3, "out in arg\n", "err\n"), run);
        Assert.Equal("out in arg\nerr\n", run.Output);
    }

    [Fact]
    public async Task PastItsTimeout_TheProcessTreeIsKilled_AndTheCommandNamed()
    {
        var pidFile = Path.GetTempFileName();
        try
        {
            var clock = Stopwatch.StartNew();
            var error = await Assert.ThrowsAsync<TimeoutException>(() => ProcessRun.RunAsync("bash", ["-c", "sleep 30 & echo $! > \"$0\"; wait", pidFile], TimeSpan.FromMilliseconds(500))).WaitAsync(TestTimeout);

            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(10), $"took {clock.Elapsed}");
            Assert.StartsWith("bash -c sleep 30", error.Message, StringComparison.Ordinal);
            var child = int.Parse(await File.ReadAllTextAsync(pidFile), System.Globalization.CultureInfo.InvariantCulture);
            Assert.True(Gone(child), $"the script's child {child} outlived the timeout");
        }
        finally
        {
            File.Delete(pidFile);
        }
    }

    [Fact]
    public async Task ChattyProcess_DoesNotBlockOnAFullPipe()
    {
        // 1 MiB on each stream, far over a pipe's 64 KiB: both are read while it runs.
        var run = await ProcessRun.RunAsync("bash", ["-c", "head -c 1048576 /dev/zero; head -c 1048576 /dev/zero >&2"], TimeSpan.FromSeconds(20)).WaitAsync(TestTimeout);

        Assert.Equal((0, 1 << 20, 1 << 20), (run.ExitCode, run.StandardOutput.Length, run.StandardError.Length));
    }

    private static bool Gone(int pid)
    {
        try
        {
            using var process = Process.GetProcessById(pid);
            return process.HasExited || File.ReadAllText($"/proc/{pid}/stat").Contains(") Z ", StringComparison.Ordinal);
        }
        catch (ArgumentException)
        {
            return true;
        }
    }
}
