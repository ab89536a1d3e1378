using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace ImageGateway.Common.Hosting;

/// <summary>
/// Holds the server open for <see cref="GracefulShutdownOptions.DrainDelay"/> after a stop is requested,
/// while <see cref="Draining"/> makes readiness fail. Runs in <see cref="StoppingAsync"/>, which the
/// host awaits before it stops Kestrel, so the listener stays open for the whole delay. A server that
/// listens on no address (the in-memory test server) has nobody to drain and stops at once.
/// </summary>
public sealed class ShutdownDrain(
    IHostApplicationLifetime lifetime,
    IServer server,
    IOptions<GracefulShutdownOptions> options,
    ILogger<ShutdownDrain> logger) : IHostedLifecycleService
{
    private volatile bool _draining;

    /// <summary>True from the moment a stop is requested (SIGTERM, Ctrl-C or <c>StopApplication</c>).</summary>
    public bool Draining => _draining || lifetime.ApplicationStopping.IsCancellationRequested;

    public async Task StoppingAsync(CancellationToken cancellationToken)
    {
        _draining = true;
        if (server.Features.Get<IServerAddressesFeature>() is not { Addresses.Count: > 0 })
        {
            return;
        }

        var shutdown = options.Value;
        ShutdownLog.Draining(logger, shutdown.DrainDelay.TotalSeconds, shutdown.InFlightTimeout.TotalSeconds);
        try
        {
            await Task.Delay(shutdown.DrainDelay, cancellationToken);
        }
        catch (OperationCanceledException)
        {
            // The host's shutdown timeout ran out first; go on stopping.
        }

        ShutdownLog.Closing(logger);
    }

    public Task StartingAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StartedAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StoppedAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}

internal static partial class ShutdownLog
{
    [LoggerMessage(EventId = 900, Level = LogLevel.Information,
        Message = "Stopping: not ready, still serving for {DrainSeconds} s, then up to {InFlightSeconds} s for requests in flight")]
    public static partial void Draining(ILogger logger, double drainSeconds, double inFlightSeconds);

    [LoggerMessage(EventId = 901, Level = LogLevel.Information, Message = "Drain delay over: closing the listener")]
    public static partial void Closing(ILogger logger);
}
