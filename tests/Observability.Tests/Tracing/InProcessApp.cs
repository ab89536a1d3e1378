using System.Diagnostics;
using System.Globalization;
using System.Net;
using ImageGateway.TestSupport;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using OpenTelemetry.Trace;

namespace ImageGateway.Observability.Tests.Tracing;

/// <summary>
/// One of the real apps in this process on real Kestrel (127.0.0.1, free ports), its tracer
/// provider exporting to <see cref="Spans"/> in memory. Both apps' providers see every ASP.NET Core
/// and HttpClient span of the process, so a span may be exported by both: read them by span id.
/// </summary>
public sealed class InProcessApp<TProgram> : WebApplicationFactory<TProgram>
    where TProgram : class
{
    private readonly Dictionary<string, string?> _settings;

    public InProcessApp(IReadOnlyDictionary<string, string?> settings)
    {
        Port = FreePort.Get();
        ManagementPort = FreePort.Get();
        _settings = new Dictionary<string, string?>
        {
            ["Management:Port"] = ManagementPort.ToString(CultureInfo.InvariantCulture),
            ["Shutdown:DrainDelay"] = "00:00:00",
            // Spans are recorded only when exported; the in-memory exporter is added in code.
            ["Tracing:Enabled"] = "true",
            ["Logging:LogLevel:Default"] = "Warning",
            ["Logging:LogLevel:Yarp"] = "Error",
        };
        foreach (var (key, value) in settings)
        {
            _settings[key] = value;
        }

        UseKestrel(k =>
        {
            k.Listen(IPAddress.Loopback, Port);
            k.Listen(IPAddress.Loopback, ManagementPort);
        });
    }

    public int Port { get; }

    public int ManagementPort { get; }

    public Uri BaseAddress => new($"http://127.0.0.1:{Port}");

    public List<Activity> Spans { get; } = [];

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseEnvironment("Testing");
        builder.ConfigureAppConfiguration(config => config.AddInMemoryCollection(_settings));
        if (_settings.GetValueOrDefault("Tracing:Enabled") is { } tracing)
        {
            // Read while the app registers its services, before ConfigureAppConfiguration applies:
            // a host setting is there from the start.
            builder.UseSetting("Tracing:Enabled", tracing);
        }
        builder.ConfigureServices(services => services.ConfigureOpenTelemetryTracerProvider(tracing => tracing.AddInMemoryExporter(Spans)));
    }
}
