using System.Collections.Concurrent;
using System.Diagnostics;

namespace ImageGateway.TestSupport;

/// <summary>
/// One of the product's apps running as a real process on 127.0.0.1, optionally inside a memory
/// cgroup. Killed (with its output kept for failure messages) on dispose.
/// </summary>
public sealed class AppProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly ConcurrentQueue<string> _output = new();

    /// <summary>The environment variable naming the management port (<c>Management:Port</c>).</summary>
    public const string ManagementPortVariable = "Management__Port";

    private AppProcess(Process process, int port, int managementPort, string name)
    {
        _process = process;
        Port = port;
        ManagementPort = managementPort;
        Name = name;
        BaseAddress = new Uri($"http://127.0.0.1:{port}");
        ManagementAddress = new Uri($"http://127.0.0.1:{managementPort}");
    }

    public string Name { get; }

    public int Port { get; }

    public Uri BaseAddress { get; }

    /// <summary>The management port: <c>/metrics</c> and the detailed <c>/health/ready</c>.</summary>
    public int ManagementPort { get; }

    public Uri ManagementAddress { get; }

    public int Pid => _process.Id;

    public bool HasExited => _process.HasExited;

    /// <summary>The last lines the process wrote, for failure messages.</summary>
    public string Output => string.Join(Environment.NewLine, _output.TakeLast(60));

    /// <summary>
    /// Starts <paramref name="assemblyPath"/> (with <c>dotnet</c> when it is a .dll) on <paramref name="port"/> and waits until
    /// <paramref name="readyPath"/> answers 200. Its management port is a free one unless
    /// <paramref name="environment"/> sets <see cref="ManagementPortVariable"/>.
    /// </summary>
    public static async Task<AppProcess> StartAsync(
        string name,
        string assemblyPath,
        int port,
        IReadOnlyDictionary<string, string>? environment = null,
        MemoryCgroup? cgroup = null,
        string readyPath = "/health/live",
        TimeSpan? timeout = null)
    {
        var url = $"http://127.0.0.1:{port}";
        // A .dll runs on the shared runtime; anything else is a native executable (the AOT backend).
        var command = assemblyPath.EndsWith(".dll", StringComparison.OrdinalIgnoreCase)
            ? $"dotnet '{assemblyPath}' --urls {url}"
            : $"'{assemblyPath}' --urls {url}";
        var info = new ProcessStartInfo("/bin/sh")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = Path.GetDirectoryName(assemblyPath)!,
        };
        info.ArgumentList.Add("-c");
        info.ArgumentList.Add(cgroup is null ? $"exec {command}" : cgroup.JoinAndExec(command));
        info.Environment["ASPNETCORE_ENVIRONMENT"] = "Production";
        info.Environment["DOTNET_NOLOGO"] = "1";
        info.Environment["Logging__Console__FormatterName"] = "simple";
        info.Environment[ManagementPortVariable] = FreePort.Get().ToString(System.Globalization.CultureInfo.InvariantCulture);
        if (environment is not null)
        {
            foreach (var (key, value) in environment)
            {
                info.Environment[key] = value;
            }
        }

        var managementPort = int.Parse(info.Environment[ManagementPortVariable]!, System.Globalization.CultureInfo.InvariantCulture);
        var process = Process.Start(info) ?? throw new InvalidOperationException($"Could not start {name}.");
        var app = new AppProcess(process, port, managementPort, name);
        process.OutputDataReceived += (_, e) => app.Keep(e.Data);
        process.ErrorDataReceived += (_, e) => app.Keep(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();

        try
        {
            await app.WaitUntilAsync(readyPath, timeout ?? TimeSpan.FromSeconds(60));
        }
        catch
        {
            await app.DisposeAsync();
            throw;
        }

        return app;
    }

    /// <summary>Waits until <paramref name="path"/> answers 200, or throws with the process output.</summary>
    public async Task WaitUntilAsync(string path, TimeSpan timeout)
    {
        using var client = new HttpClient { BaseAddress = BaseAddress, Timeout = TimeSpan.FromSeconds(2) };
        var deadline = DateTime.UtcNow + timeout;
        while (DateTime.UtcNow < deadline)
        {
            if (_process.HasExited)
            {
                throw new InvalidOperationException($"{Name} exited with {_process.ExitCode} before {path} answered:{Environment.NewLine}{Output}");
            }

            try
            {
                using var response = await client.GetAsync(path);
                if (response.IsSuccessStatusCode)
                {
                    return;
                }
            }
            catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException)
            {
                // Not listening yet.
            }

            await Task.Delay(100);
        }

        throw new TimeoutException($"{Name} did not answer 200 on {path} within {timeout}:{Environment.NewLine}{Output}");
    }

    /// <summary>Asks the process to stop (SIGTERM), as <c>docker stop</c> or Kubernetes does.</summary>
    public void Terminate()
    {
        if (!_process.HasExited)
        {
            ProcessSignals.Terminate(_process.Id);
        }
    }

    /// <summary>Waits up to <paramref name="timeout"/> for the process to end; its exit code, or null while it runs.</summary>
    public async Task<int?> WaitForExitAsync(TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        try
        {
            await _process.WaitForExitAsync(cts.Token);
            return _process.ExitCode;
        }
        catch (OperationCanceledException)
        {
            return null;
        }
    }

    /// <summary>Kills the process at once (SIGKILL), as a crash or an OOM kill would.</summary>
    public void Kill()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
        }
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            Kill();
            using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(10));
            await _process.WaitForExitAsync(cts.Token);
        }
        catch (Exception ex) when (ex is InvalidOperationException or OperationCanceledException)
        {
            // Already gone.
        }

        _process.Dispose();
    }

    private void Keep(string? line)
    {
        if (line is null)
        {
            return;
        }

        _output.Enqueue(line);
        while (_output.Count > 500 && _output.TryDequeue(out _))
        {
        }
    }
}
