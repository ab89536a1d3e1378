using System.Reflection;

namespace ImageGateway.TestSupport;

/// <summary>
/// The product as real processes on loopback: backends and a gateway whose cluster lists them.
/// Each app is started from its build output in the same configuration as the calling tests.
/// </summary>
public sealed class Stack : IAsyncDisposable
{
    private Stack(IReadOnlyList<AppProcess> backends, AppProcess gateway)
    {
        Backends = backends;
        Gateway = gateway;
    }

    public IReadOnlyList<AppProcess> Backends { get; }

    public AppProcess Gateway { get; }

    /// <summary>The configuration (Debug/Release) the calling test assembly was built in.</summary>
    public static string Configuration(Assembly testAssembly) =>
        testAssembly.GetCustomAttributes<AssemblyMetadataAttribute>().FirstOrDefault(a => a.Key == "Configuration")?.Value ?? "Debug";

    public static string BackendAssembly(string configuration) => RepoPaths.AppAssembly("backend", "ImageGateway.Backend", configuration);

    public static string GatewayAssembly(string configuration) => RepoPaths.AppAssembly("gateway", "ImageGateway.Gateway", configuration);

    /// <summary>Starts a backend on a free port.</summary>
    public static Task<AppProcess> StartBackendAsync(string configuration, string name, IReadOnlyDictionary<string, string>? environment = null, MemoryCgroup? cgroup = null) =>
        AppProcess.StartAsync(name, BackendAssembly(configuration), FreePort.Get(), environment, cgroup, "/health/ready");

    /// <summary>Starts a gateway on a free port whose cluster has exactly <paramref name="destinations"/>.</summary>
    public static Task<AppProcess> StartGatewayAsync(string configuration, IEnumerable<Uri> destinations, IReadOnlyDictionary<string, string>? environment = null, string readyPath = "/health/ready")
    {
        var env = new Dictionary<string, string>();
        var i = 0;
        foreach (var destination in destinations)
        {
            env[$"ReverseProxy__Clusters__backends__Destinations__backend{++i}__Address"] = destination.ToString();
        }

        foreach (var (key, value) in environment ?? new Dictionary<string, string>())
        {
            env[key] = value;
        }

        return AppProcess.StartAsync("gateway", GatewayAssembly(configuration), FreePort.Get(), env, readyPath: readyPath);
    }

    /// <summary>Starts <paramref name="backendCount"/> backends and a gateway in front of them.</summary>
    public static async Task<Stack> StartAsync(string configuration, int backendCount = 2, IReadOnlyDictionary<string, string>? backendEnvironment = null)
    {
        var backends = new List<AppProcess>();
        try
        {
            for (var i = 1; i <= backendCount; i++)
            {
                backends.Add(await StartBackendAsync(configuration, $"backend{i}", backendEnvironment));
            }

            var gateway = await StartGatewayAsync(configuration, backends.Select(b => b.BaseAddress));
            return new Stack(backends, gateway);
        }
        catch
        {
            foreach (var backend in backends)
            {
                await backend.DisposeAsync();
            }

            throw;
        }
    }

    public async ValueTask DisposeAsync()
    {
        await Gateway.DisposeAsync();
        foreach (var backend in Backends)
        {
            await backend.DisposeAsync();
        }
    }
}
