using System.Diagnostics;
using System.Diagnostics.Metrics;
using ImageGateway.Backend.Admission;
using ImageGateway.Backend.Counting;
using ImageGateway.Backend.Decoding;
using ImageGateway.Backend.Memory;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace ImageGateway.Backend.Tests.Decoding;

/// <summary>The pool's supervision of worker starts, with real processes: one that cannot start is retried, and only failing in a row is a crash loop.</summary>
public sealed class DecodeWorkerPoolTests : IDisposable
{
    private static readonly TimeSpan TestTimeout = TimeSpan.FromSeconds(60);
    private readonly string _flag = Path.Combine(Path.GetTempPath(), $"worker-start-fails-{Guid.NewGuid():N}");

    [Fact]
    public async Task StartAsync_NoWorkerCanStart_FailsSoTheBackendDoesNotStart()
    {
        using var pool = Pool(new WorkerCommand("/bin/false", [], null, new Dictionary<string, string>()), workers: 2);

        var ex = await Assert.ThrowsAsync<InvalidOperationException>(() => pool.StartAsync(CancellationToken.None).WaitAsync(TestTimeout));

        Assert.Contains("No decode worker started", ex.Message, StringComparison.Ordinal);
        Assert.False(pool.CanServe);
        await pool.StopAsync(CancellationToken.None);
    }

    [Fact]
    public async Task CanServe_AWorkerThatDiesAndCannotStartAgain_IsACrashLoop_UntilAStartSucceeds()
    {
        // The real worker, behind a shell that refuses to start it while the flag file exists.
        var real = WorkerCommand.Resolve(null);
        var script = $"[ -e '{_flag}' ] && exit 3; exec \"$0\" \"$@\"";
        var command = new WorkerCommand("/bin/sh", ["-c", script, real.FileName, .. real.Arguments], null, new Dictionary<string, string>());
        using var pool = Pool(command, workers: 1);
        await pool.StartAsync(CancellationToken.None).WaitAsync(TestTimeout);
        Assert.True(pool.CanServe);
        var first = Assert.Single(pool.Pids);

        await File.WriteAllTextAsync(_flag, "");
        using (var worker = Process.GetProcessById(first))
        {
            worker.Kill();
        }

        await WaitUntilAsync(() => !pool.CanServe);
        Assert.Equal(0, pool.Alive);
        Assert.True(pool.FailedStartsInARow >= 2);

        File.Delete(_flag);
        await WaitUntilAsync(() => pool.Alive == 1);
        Assert.True(pool.CanServe);
        Assert.NotEqual(first, Assert.Single(pool.Pids));
        await pool.StopAsync(CancellationToken.None);
    }

    public void Dispose() => File.Delete(_flag);

    private static DecodeWorkerPool Pool(WorkerCommand command, int workers)
    {
        var services = new ServiceCollection().AddMetrics().BuildServiceProvider();
        return new DecodeWorkerPool(
            Options.Create(new DecodingOptions { Workers = workers, CrashLoopStarts = 2, WorkerStartTimeout = TimeSpan.FromSeconds(20) }),
            Options.Create(new AdmissionOptions()),
            Options.Create(new CountingOptions()),
            command,
            ContainerMemory.Detect(Path.GetTempPath()),
            new DecodeWorkerMetrics(services.GetRequiredService<IMeterFactory>()),
            NullLogger<DecodeWorkerPool>.Instance);
    }

    private static async Task WaitUntilAsync(Func<bool> condition)
    {
        var timer = Stopwatch.StartNew();
        while (!condition())
        {
            Assert.True(timer.Elapsed < TestTimeout, "the condition did not come true in time");
            await Task.Delay(20);
        }
    }
}
