using ImageGateway.TestSupport;

namespace ImageGateway.Resilience.Tests.Support;

/// <summary>
/// Real backends, each in its own 50 MiB memory cgroup where the machine allows (with the memory
/// split deploy/lib/memory.sh derives), and a real gateway whose cluster lists them plus any extra
/// destinations. Backends can be killed, stopped and restarted on the same port.
/// </summary>
public sealed class ResilientStack : IAsyncDisposable
{
    public const long BackendMemoryBytes = 50L << 20;

    private readonly List<MemoryCgroup?> _cgroups;
    private readonly Dictionary<string, string> _backendEnvironment;

    private ResilientStack(List<AppProcess> backends, List<MemoryCgroup?> cgroups, Dictionary<string, string> backendEnvironment, AppProcess gateway)
    {
        Backends = backends;
        _cgroups = cgroups;
        _backendEnvironment = backendEnvironment;
        Gateway = gateway;
    }

    public static string Configuration => Stack.Configuration(typeof(ResilientStack).Assembly);

    /// <summary>The backends; an entry is replaced by <see cref="RestartBackendAsync"/>.</summary>
    public List<AppProcess> Backends { get; }

    public AppProcess Gateway { get; }

    /// <summary>
    /// The backend in the form it runs in production, Native AOT, in 50 MiB; where it cannot be
    /// published (no clang), the JIT build with 256 MiB, as deploy/run-local.sh does: the JIT runtime and
    /// its decode workers do not fit in 50 MiB (measured: the kernel then OOM-killed the server itself).
    /// </summary>
    private static readonly Lazy<Task<(string Path, long MemoryBytes)>> BackendForm = new(async () =>
    {
        var (native, _) = await NativeBackend.PublishAsync(TimeSpan.FromMinutes(10));
        return native is not null ? (native, BackendMemoryBytes) : (Stack.BackendAssembly(Configuration), 256L << 20);
    });

    public static async Task<ResilientStack> StartAsync(ITestOutputHelper output, int backendCount = 2, IEnumerable<Uri>? extraDestinations = null, IReadOnlyDictionary<string, string>? backendEnvironment = null, IReadOnlyDictionary<string, string>? gatewayEnvironment = null)
    {
        var (backendPath, memoryBytes) = await BackendForm.Value;
        // The memory split of deploy/lib/memory.sh: heap limits, decode workers, budget, container limit.
        var environment = new Dictionary<string, string>(MemoryRule.BackendEnvironment(memoryBytes));
        foreach (var (key, value) in backendEnvironment ?? new Dictionary<string, string>())
        {
            environment[key] = value;
        }

        var backends = new List<AppProcess>();
        var cgroups = new List<MemoryCgroup?>();
        try
        {
            for (var i = 1; i <= backendCount; i++)
            {
                var cgroup = MemoryCgroup.TryCreate($"resilience-backend{i}", memoryBytes, out var whyNot);
                if (cgroup is null)
                {
                    output.WriteLine($"backend{i} runs without a memory cgroup: {whyNot}");
                }

                cgroups.Add(cgroup);
                backends.Add(await AppProcess.StartAsync($"backend{i}", backendPath, FreePort.Get(), environment, cgroup, "/health/ready"));
            }

            var gateway = await Stack.StartGatewayAsync(Configuration, backends.Select(b => b.BaseAddress).Concat(extraDestinations ?? []), gatewayEnvironment);
            return new ResilientStack(backends, cgroups, environment, gateway);
        }
        catch
        {
            foreach (var backend in backends)
            {
                await backend.DisposeAsync();
            }

            cgroups.ForEach(c => c?.Dispose());
            throw;
        }
    }

    /// <summary>Starts backend <paramref name="index"/> again on its port and in its cgroup, once its old process is gone.</summary>
    public async Task<AppProcess> RestartBackendAsync(int index)
    {
        var old = Backends[index];
        await old.DisposeAsync();
        Backends[index] = await AppProcess.StartAsync(old.Name, (await BackendForm.Value).Path, old.Port, _backendEnvironment, _cgroups[index], "/health/ready");
        return Backends[index];
    }

    public async ValueTask DisposeAsync()
    {
        await Gateway.DisposeAsync();
        foreach (var backend in Backends)
        {
            await backend.DisposeAsync();
        }

        _cgroups.ForEach(c => c?.Dispose());
    }
}
