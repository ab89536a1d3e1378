using System.Globalization;
using System.Net;
using ImageGateway.TestSupport;
using ImageGateway.Gateway.Server;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Hosting;

namespace ImageGateway.Gateway.Tests.Infrastructure;

/// <summary>
/// The real gateway application on real Kestrel (127.0.0.1, a free port), with its cluster pointing
/// at the given backends and any settings overridden.
/// </summary>
public sealed class GatewayFactory : WebApplicationFactory<Program>
{
    private readonly Dictionary<string, string?> _settings;
    private readonly DestinationsSource? _destinations;

    public GatewayFactory(IEnumerable<Uri> backends, IReadOnlyDictionary<string, string?>? settings = null, DestinationsSource? destinations = null)
    {
        _destinations = destinations;
        _settings = new Dictionary<string, string?>(settings ?? new Dictionary<string, string?>());
        var i = 0;
        foreach (var backend in backends)
        {
            _settings[$"ReverseProxy:Clusters:backends:Destinations:backend{++i}:Address"] = backend.ToString();
        }

        // A free management port unless the test names one (a bad one, to see start-up refuse it).
        ManagementPort = _settings.TryGetValue("Management:Port", out var named) && int.TryParse(named, CultureInfo.InvariantCulture, out var port)
            ? port
            : FreePort.Get();
        _settings["Management:Port"] = ManagementPort.ToString(CultureInfo.InvariantCulture);
        // Listening in code replaces the configured addresses, the app's management one included: listen there too.
        UseKestrel(k =>
        {
            k.Listen(IPAddress.Loopback, 0);
            k.Listen(IPAddress.Loopback, ManagementPort);
        });
    }

    public Uri BaseAddress { get; private set; } = null!;

    /// <summary>The management port (<c>/metrics</c>, detailed health).</summary>
    public int ManagementPort { get; }

    public Uri ManagementAddress => new($"http://127.0.0.1:{ManagementPort}");

    /// <summary>Starts a gateway in front of <paramref name="backends"/>.</summary>
    public static GatewayFactory Start(IEnumerable<Uri> backends, IReadOnlyDictionary<string, string?>? settings = null, DestinationsSource? destinations = null)
    {
        var factory = new GatewayFactory(backends, settings, destinations);
        factory.StartServer();
        var address = factory.Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>().Addresses
            .Single(a => new Uri(a).Port != factory.ManagementPort);
        factory.BaseAddress = new Uri(address);
        return factory;
    }

    /// <summary>A client for the gateway's management port, with a bounded timeout.</summary>
    public HttpClient CreateManagementClient() =>
        new() { BaseAddress = ManagementAddress, Timeout = TimeSpan.FromSeconds(30) };

    /// <summary>A client for the gateway on loopback, with a bounded timeout.</summary>
    public HttpClient CreateLoopbackClient(TimeSpan? timeout = null) =>
        new() { BaseAddress = BaseAddress, Timeout = timeout ?? TimeSpan.FromSeconds(30) };

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseEnvironment("Testing");
        builder.ConfigureAppConfiguration(config =>
        {
            config.AddInMemoryCollection(_settings);
            if (_destinations is not null)
            {
                config.Add(_destinations);
            }
        });
    }

    protected override IHost CreateHost(IHostBuilder builder)
    {
        // The factory registers Kestrel again, after the application's services: wrap its memory
        // pool factory again, as the application does with the one it starts with.
        builder.ConfigureServices(services => services.AddConnectionBufferPool());
        return base.CreateHost(builder);
    }
}
