using ImageGateway.Gateway.Inspection;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.AspNetCore.Server.Kestrel.Transport.Sockets;
using Microsoft.Extensions.Options;

namespace ImageGateway.Gateway.Server;

public static class ServerLimitsExtensions
{
    /// <summary>Request buffer beyond the peek window, in bytes.</summary>
    public const int RequestBufferSlack = 64 * 1024;

    /// <summary>
    /// Kestrel's minimum data rates and timeouts (<c>SlowClients</c>), an input buffer that holds the
    /// peek window, and large receive blocks within a budget (<c>ConnectionBuffers</c>).
    /// </summary>
    public static IHostApplicationBuilder AddServerLimits(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<SlowClientOptions>()
            .Bind(builder.Configuration.GetSection(SlowClientOptions.SectionName))
            .ValidateDataAnnotations()
            .ValidateOnStart();
        builder.Services.AddOptions<KestrelServerOptions>()
            .Configure<IOptions<SlowClientOptions>, IOptions<InspectionOptions>>((kestrel, slow, inspection) =>
            {
                var limits = kestrel.Limits;
                limits.RequestHeadersTimeout = slow.Value.RequestHeadersTimeout;
                limits.MinRequestBodyDataRate = new MinDataRate(slow.Value.MinRequestBodyBytesPerSecond, slow.Value.MinRequestBodyGracePeriod);
                limits.MaxRequestBufferSize = RequestBufferBytes(inspection.Value); // the same bound where Kestrel applies it
            });

        // The peek leaves the prefix unconsumed in the connection's input buffer, and the socket
        // transport stops reading the socket when that buffer is full, so it must hold the whole
        // window. It is also what one streaming upload holds in the gateway: sized to the window
        // (plus slack) instead of the transport's 1 MiB default, it bounds memory per upload.
        builder.Services.AddOptions<SocketTransportOptions>()
            .Configure<IOptions<InspectionOptions>>((transport, inspection) =>
                transport.MaxReadBufferSize = RequestBufferBytes(inspection.Value));
        builder.Services.AddOptions<ConnectionBufferOptions>()
            .Bind(builder.Configuration.GetSection(ConnectionBufferOptions.SectionName))
            .ValidateDataAnnotations()
            .ValidateOnStart();
        builder.Services.AddConnectionBufferPool();
        return builder;
    }

    /// <summary>
    /// Wraps the memory pool factory Kestrel registered last (its transport takes its pools from
    /// it) in <see cref="ConnectionBufferPoolFactory"/>. Call again after anything that registers
    /// Kestrel anew (a test host does, after the application's services).
    /// </summary>
    public static IServiceCollection AddConnectionBufferPool(this IServiceCollection services)
    {
        var kestrels = services.LastOrDefault(d => d.ServiceType == typeof(IMemoryPoolFactory<byte>) && !d.IsKeyedService)
            ?? throw new InvalidOperationException("Kestrel registered no IMemoryPoolFactory<byte> to build the connection buffer pool on.");
        services.Remove(kestrels);
        services.AddSingleton<IMemoryPoolFactory<byte>>(provider => new ConnectionBufferPoolFactory(
            (IMemoryPoolFactory<byte>)(kestrels.ImplementationInstance
                ?? kestrels.ImplementationFactory?.Invoke(provider)
                ?? ActivatorUtilities.CreateInstance(provider, kestrels.ImplementationType!)),
            provider.GetRequiredService<IOptions<ConnectionBufferOptions>>()));
        return services;
    }

    private static long RequestBufferBytes(InspectionOptions inspection) => inspection.PeekBytes + RequestBufferSlack;
}
