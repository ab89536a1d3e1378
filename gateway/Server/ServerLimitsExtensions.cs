using ImageGateway.Gateway.Inspection;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.Options;

namespace ImageGateway.Gateway.Server;

public static class ServerLimitsExtensions
{
    /// <summary>Request buffer beyond the peek window, in bytes.</summary>
    public const int RequestBufferSlack = 64 * 1024;

    /// <summary>Kestrel's minimum data rates and timeouts (<c>SlowClients</c>) and a request buffer that holds the peek window.</summary>
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

                // The peek leaves the prefix unconsumed in Kestrel's request buffer, and Kestrel stops
                // reading the socket when that buffer is full, so it must hold the whole window. It is
                // also what one streaming upload can hold in the gateway: sized to the window (plus
                // slack), not Kestrel's 1 MiB default, so 32 uploads in flight stay under ~20 MiB.
                limits.MaxRequestBufferSize = inspection.Value.PeekBytes + RequestBufferSlack;
            });
        return builder;
    }
}
