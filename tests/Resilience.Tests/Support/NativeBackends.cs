using ImageGateway.TestSupport;

namespace ImageGateway.Resilience.Tests.Support;

/// <summary>
/// Native AOT backends (the form that serves in 50 MiB), each in its own memory cgroup where the
/// machine allows, with every setting deploy/lib/memory.sh derives from that limit (heap limits, workers, decode budget).
/// </summary>
public sealed class NativeBackends : IAsyncDisposable
{
    private NativeBackends(List<AppProcess> apps, List<MemoryCgroup?> cgroups)
    {
        Apps = apps;
        Cgroups = cgroups;
    }

    public IReadOnlyList<AppProcess> Apps { get; }

    public IReadOnlyList<MemoryCgroup?> Cgroups { get; }

    /// <summary>One backend per limit; null (with the reason written) when Native AOT cannot be published here.</summary>
    public static async Task<NativeBackends?> StartAsync(ITestOutputHelper output, params long[] memoryLimits)
    {
        var (executable, whyNot) = await NativeBackend.PublishAsync(TimeSpan.FromMinutes(10));
        if (executable is null)
        {
            output.WriteLine($"SKIPPED: {whyNot}");
            return null;
        }

        var apps = new List<AppProcess>();
        var cgroups = new List<MemoryCgroup?>();
        try
        {
            for (var i = 0; i < memoryLimits.Length; i++)
            {
                var limit = memoryLimits[i];
                var cgroup = MemoryCgroup.TryCreate($"scaleout-backend{i}", limit, out var noCgroup);
                if (cgroup is null)
                {
                    output.WriteLine($"backend{i} runs without a memory cgroup: {noCgroup}");
                }

                cgroups.Add(cgroup);
                apps.Add(await AppProcess.StartAsync($"backend{i}", executable, FreePort.Get(), new Dictionary<string, string>(MemoryRule.BackendEnvironment(limit)), cgroup, "/health/ready"));
            }

            return new NativeBackends(apps, cgroups);
        }
        catch
        {
            await new NativeBackends(apps, cgroups).DisposeAsync();
            throw;
        }
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var app in Apps)
        {
            await app.DisposeAsync();
        }

        foreach (var cgroup in Cgroups)
        {
            cgroup?.Dispose();
        }
    }
}
