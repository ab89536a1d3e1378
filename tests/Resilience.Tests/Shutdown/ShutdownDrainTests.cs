using System.Diagnostics;
using ImageGateway.Common.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace ImageGateway.Resilience.Tests.Shutdown;

public sealed class ShutdownDrainTests
{
    private static readonly TimeSpan DrainDelay = TimeSpan.FromMilliseconds(600);

    [Fact]
    public async Task Stopping_ServerListening_DrainsForTheDelayAndReportsDraining()
    {
        var drain = Drain(new AddressedServer("http://127.0.0.1:8080"));
        Assert.False(drain.Draining);

        var clock = Stopwatch.StartNew();
        await drain.StoppingAsync(CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(10));

        Assert.True(clock.Elapsed >= DrainDelay - TimeSpan.FromMilliseconds(20), $"drained only {clock.Elapsed}");
        Assert.True(drain.Draining);
    }

    [Fact]
    public async Task Stopping_ServerWithoutAddresses_StopsAtOnce()
    {
        var drain = Drain(new AddressedServer());

        var clock = Stopwatch.StartNew();
        await drain.StoppingAsync(CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(10));

        Assert.True(clock.Elapsed < DrainDelay, $"an in-memory server waited {clock.Elapsed}");
        Assert.True(drain.Draining);
    }

    [Fact]
    public async Task Stopping_ShutdownTimeoutRunsOut_EndsTheDrainEarly()
    {
        var drain = Drain(new AddressedServer("http://127.0.0.1:8080"));
        using var timeout = new CancellationTokenSource(TimeSpan.FromMilliseconds(50));

        var clock = Stopwatch.StartNew();
        await drain.StoppingAsync(timeout.Token).WaitAsync(TimeSpan.FromSeconds(10));

        Assert.True(clock.Elapsed < DrainDelay, $"ignored the host's timeout: {clock.Elapsed}");
    }

    private static ShutdownDrain Drain(IServer server) =>
        new(new NotStoppedLifetime(), server,
            Options.Create(new GracefulShutdownOptions { DrainDelay = DrainDelay }), NullLogger<ShutdownDrain>.Instance);

    private sealed class NotStoppedLifetime : IHostApplicationLifetime
    {
        public CancellationToken ApplicationStarted => CancellationToken.None;

        public CancellationToken ApplicationStopping => CancellationToken.None;

        public CancellationToken ApplicationStopped => CancellationToken.None;

        public void StopApplication()
        {
        }
    }

    private sealed class AddressedServer : IServer, IServerAddressesFeature
    {
        public AddressedServer(params string[] addresses)
        {
            foreach (var address in addresses)
            {
                Addresses.Add(address);
            }

            Features.Set<IServerAddressesFeature>(this);
        }

        public IFeatureCollection Features { get; } = new FeatureCollection();

        public ICollection<string> Addresses { get; } = [];

        public bool PreferHostingUrls { get; set; }

        public Task StartAsync<TContext>(IHttpApplication<TContext> application, CancellationToken cancellationToken)
            where TContext : notnull => Task.CompletedTask;

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

        public void Dispose()
        {
        }
    }
}
