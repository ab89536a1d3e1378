using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.AspNetCore.Server.Kestrel.Transport.Sockets;
using Microsoft.Extensions.Options;

namespace ImageGateway.Gateway.Server;

public static class ServerLimitsExtensions
{
    /// <summary>
    /// Kestrel's minimum data rates and timeouts (<c>SlowClients</c>) and large receive blocks within
    /// a budget (<c>ConnectionBuffers</c>). The input buffer's size is the inspection's to set
    /// (<c>AddImageInspection</c>): it must hold the peek window.
    /// </summary>
    public static IHostApplicationBuilder AddServerLimits(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptionsWithValidateOnStart<SlowClientOptions, SlowClientOptionsValidator>()
            .Bind(builder.Configuration.GetSection(SlowClientOptions.SectionName));
        builder.Services.AddOptions<KestrelServerOptions>()
            .Configure<IOptions<SlowClientOptions>>((kestrel, slow) =>
            {
                var limits = kestrel.Limits;
                limits.RequestHeadersTimeout = slow.Value.RequestHeadersTimeout;
                limits.MinRequestBodyDataRate = new MinDataRate(slow.Value.MinRequestBodyBytesPerSecond, slow.Value.MinRequestBodyGracePeriod);
            });
        builder.Services.AddOptionsWithValidateOnStart<ConnectionBufferOptions, ConnectionBufferOptionsValidator>()
            .Bind(builder.Configuration.GetSection(ConnectionBufferOptions.SectionName));
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
}
