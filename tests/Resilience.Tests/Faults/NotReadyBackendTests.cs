using ImageGateway.Resilience.Tests.Support;
using ImageGateway.TestSupport.Load;

namespace ImageGateway.Resilience.Tests.Faults;

public sealed class NotReadyBackendTests(ITestOutputHelper output)
{
    /// <summary>Active checks every 2 s, 2 consecutive failures, 1 s timeout: out of rotation within this.</summary>
    private static readonly TimeSpan Noticed = TimeSpan.FromSeconds(6);

    [Fact]
    public async Task BackendReportingNotReady_GetsNoNewUploadsUntilReadyAgain_WhileEveryUploadIsServed()
    {
        await using var fake = await FakeBackend.StartAsync();
        await using var stack = await ResilientStack.StartAsync(output, backendCount: 1, extraDestinations: [fake.BaseAddress]);
        await using var load = BackgroundLoad.Start(stack.Gateway.BaseAddress, Uploads.SmallPng);

        Assert.True(await Eventually.HoldsAsync(() => fake.Uploads > 0, TimeSpan.FromSeconds(10)), "the ready fake never got an upload");

        fake.Ready = false;
        var notReadyAt = load.Elapsed;
        var lastUpload = (Count: fake.Uploads, At: load.Elapsed);
        while (load.Elapsed < notReadyAt + Noticed + TimeSpan.FromSeconds(4))
        {
            if (fake.Uploads != lastUpload.Count)
            {
                lastUpload = (fake.Uploads, load.Elapsed);
            }

            await Task.Delay(50);
        }

        var stoppedAfter = lastUpload.At - notReadyAt;
        output.WriteLine($"not ready at +{notReadyAt.TotalSeconds:F1}s; its last upload came {stoppedAfter.TotalSeconds:F2} s later");
        Assert.True(stoppedAfter <= Noticed, $"the not-ready backend still got uploads {stoppedAfter.TotalSeconds:F1} s after it said so");

        var whileNotReady = fake.Uploads;
        fake.Ready = true;
        var readyAt = load.Elapsed;
        Assert.True(await Eventually.HoldsAsync(() => fake.Uploads > whileNotReady, Noticed + TimeSpan.FromSeconds(4)),
            "the backend got no uploads after it was ready again");
        output.WriteLine($"ready again at +{readyAt.TotalSeconds:F1}s; uploads resumed {(load.Elapsed - readyAt).TotalSeconds:F1} s later");

        var outcomes = await load.StopAsync();
        var notOk = outcomes.Where(o => o.Status != 200).ToList();
        Assert.True(notOk.Count == 0, $"{notOk.Count} of {outcomes.Count} uploads failed:{Environment.NewLine}{Uploads.Describe(notOk)}");
    }
}
