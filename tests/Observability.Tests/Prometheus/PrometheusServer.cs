using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using ImageGateway.TestSupport;

namespace ImageGateway.Observability.Tests.Prometheus;

/// <summary>
/// A real Prometheus (Debian's <c>prometheus</c>, installed by .ci/run) on loopback with its data in a
/// temporary folder, scraping the given management ports every second as jobs <c>gateway</c> and
/// <c>backend</c>, the names the dashboard and the alert rules use. Killed and removed on dispose.
/// </summary>
public sealed class PrometheusServer : IAsyncDisposable
{
    private readonly Process _process;
    private readonly string _folder;
    private readonly ConcurrentQueue<string> _output = new();

    private PrometheusServer(Process process, string folder, Uri address)
    {
        _process = process;
        _folder = folder;
        Address = address;
    }

    public Uri Address { get; }

    public static async Task<PrometheusServer> StartAsync(IReadOnlyList<Uri> gatewayManagement, IReadOnlyList<Uri> backendManagement, TimeSpan timeout)
    {
        var binary = Tools.Require("prometheus");
        var folder = Directory.CreateTempSubdirectory("image-gateway-prometheus-").FullName;
        var config = Path.Combine(folder, "prometheus.yml");
        await File.WriteAllTextAsync(config, $"""
            global:
              scrape_interval: 1s
              evaluation_interval: 1s
            scrape_configs:
              - job_name: gateway
                static_configs: [{"{"}targets: [{Targets(gatewayManagement)}]{"}"}]
              - job_name: backend
                static_configs: [{"{"}targets: [{Targets(backendManagement)}]{"}"}]
            """);
        var port = FreePort.Get();
        var info = new ProcessStartInfo(binary) { RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = folder };
        foreach (var arg in new[]
        {
            $"--config.file={config}", $"--storage.tsdb.path={Path.Combine(folder, "data")}", $"--web.listen-address=127.0.0.1:{port}",
            "--storage.tsdb.retention.time=1h", "--log.level=warn",
        })
        {
            info.ArgumentList.Add(arg);
        }

        var process = Process.Start(info) ?? throw new InvalidOperationException("prometheus did not start");
        var server = new PrometheusServer(process, folder, new Uri(string.Create(CultureInfo.InvariantCulture, $"http://127.0.0.1:{port}")));
        process.OutputDataReceived += (_, e) => server.Keep(e.Data);
        process.ErrorDataReceived += (_, e) => server.Keep(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        try
        {
            await server.WaitReadyAsync(timeout);
        }
        catch
        {
            await server.DisposeAsync();
            throw;
        }

        return server;
    }

    /// <summary>Its last lines, for failure messages.</summary>
    public string Output => string.Join(Environment.NewLine, _output.TakeLast(40));

    public async ValueTask DisposeAsync()
    {
        try
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
            }

            using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(10));
            await _process.WaitForExitAsync(cts.Token);
        }
        catch (Exception ex) when (ex is InvalidOperationException or OperationCanceledException)
        {
            // Already gone.
        }

        _process.Dispose();
        try
        {
            Directory.Delete(_folder, recursive: true);
        }
        catch (IOException)
        {
            // Best effort: a temporary folder.
        }
    }

    private static string Targets(IEnumerable<Uri> addresses) => string.Join(", ", addresses.Select(a => $"'{a.Authority}'"));

    private async Task WaitReadyAsync(TimeSpan timeout)
    {
        using var client = new HttpClient { BaseAddress = Address, Timeout = TimeSpan.FromSeconds(2) };
        var deadline = DateTime.UtcNow + timeout;
        while (DateTime.UtcNow < deadline)
        {
            if (_process.HasExited)
            {
                throw new InvalidOperationException($"prometheus exited with {_process.ExitCode}:{Environment.NewLine}{Output}");
            }

            try
            {
                using var response = await client.GetAsync("/-/ready");
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

        throw new TimeoutException($"prometheus was not ready within {timeout}:{Environment.NewLine}{Output}");
    }

    private void Keep(string? line)
    {
        if (line is not null)
        {
            _output.Enqueue(line);
        }
    }
}
